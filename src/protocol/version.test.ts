// Unit tests of the versions: the WIT constant held equal to wit/reconciler.wit, protocol header parsing, and which WIT versions a worker runs.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import {
  parseProtocolVersion,
  PROTOCOL_VERSION,
  supportsProtocol,
  WIT_PACKAGE,
  WIT_OLDEST,
  WIT_VERSION,
  witCompatible,
  witInterfaceName,
  witOlderThan,
  witRange,
} from './version.ts';

describe('versions', () => {
  test('WIT_PACKAGE@WIT_VERSION should be the package wit/reconciler.wit declares', async () => {
    const wit = await readFile(new URL('../../wit/reconciler.wit', import.meta.url), 'utf8');
    const declared = /^package ([a-z-]+:[a-z-]+)@([^;]+);$/m.exec(wit);
    assert.ok(declared, 'wit/reconciler.wit declares a versioned package');
    assert.deepEqual([declared[1], declared[2]], [WIT_PACKAGE, WIT_VERSION]);
    assert.equal(witInterfaceName('types'), `zeroloop:reconciler/types@${WIT_VERSION}`);
  });

  test('parseProtocolVersion should read only positive decimal integers', () => {
    assert.equal(parseProtocolVersion(String(PROTOCOL_VERSION)), PROTOCOL_VERSION);
    assert.equal(parseProtocolVersion(' 12 '), 12);
    for (const bad of [undefined, null, '', '0', '-1', '1.0', 'v1', '01', '1e3', '9999999999'])
      assert.equal(parseProtocolVersion(bad), undefined, String(bad));
  });

  test('supportsProtocol should accept only the same version, never an unstated one', () => {
    assert.equal(supportsProtocol(PROTOCOL_VERSION), true);
    assert.equal(supportsProtocol(PROTOCOL_VERSION + 1), false);
    assert.equal(supportsProtocol(undefined), false);
    assert.equal(supportsProtocol(2, 2), true);
  });

  test('the protocol should be 2 and the WIT 0.2.0, still running components of 0.1', () => {
    assert.equal(PROTOCOL_VERSION, 2);
    assert.equal(WIT_VERSION, '0.2.0');
    assert.equal(WIT_OLDEST, '0.1.0');
  });

  test('witCompatible should run the same 0.x minor at any patch, and from 1.0 older minors of the same major', () => {
    assert.equal(witCompatible('0.1.0', '0.1.0'), true);
    assert.equal(witCompatible('0.1.7', '0.1.2'), true);
    assert.equal(witCompatible('0.0.9', '0.1.0'), false);
    assert.equal(witCompatible('0.2.0', '0.1.0'), false);
    assert.equal(witCompatible('1.0.3', '1.2.0'), true);
    assert.equal(witCompatible('1.3.0', '1.2.0'), false);
    assert.equal(witCompatible('2.0.0', '1.2.0'), false);
    assert.equal(witCompatible('not-a-version', '0.1.0'), false);
    assert.equal(witCompatible(WIT_VERSION), true);
  });

  test('witCompatible should run older 0.x minors from the oldest one the worker adapts to, and no newer ones', () => {
    assert.equal(witCompatible('0.1.0'), true, 'a 0.2 worker runs 0.1 components');
    assert.equal(witCompatible('0.1.9'), true);
    assert.equal(witCompatible('0.2.3'), true);
    assert.equal(witCompatible('0.0.9'), false);
    assert.equal(witCompatible('0.3.0'), false);
    assert.equal(witCompatible('1.0.0'), false);
    assert.equal(witCompatible('0.1.0', '0.2.0', '0.2.0'), false, 'a worker that adapts nothing');
    assert.equal(witCompatible('0.1.0', '0.3.0', '0.1.0'), true);
  });

  test('witOlderThan should compare major, minor and patch', () => {
    assert.equal(witOlderThan('0.1.9', '0.2.0'), true);
    assert.equal(witOlderThan('0.2.0', '0.2.0'), false);
    assert.equal(witOlderThan('0.2.1', '0.2.0'), false);
    assert.equal(witOlderThan('0.9.0', '1.0.0'), true);
    assert.equal(witOlderThan('nope', '0.2.0'), false);
  });

  test('witRange should say which components a worker runs', () => {
    assert.equal(witRange('0.1.0'), '0.1.x');
    assert.equal(witRange('0.2.0'), '0.1.x–0.2.x');
    assert.equal(witRange(), '0.1.x–0.2.x');
    assert.equal(witRange('0.2.0', '0.2.0'), '0.2.x');
    assert.equal(witRange('1.2.0'), '1.0.x–1.2.x');
  });
});
