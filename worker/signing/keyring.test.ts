// Unit tests of the key ring: SIGNING_KEYS and SIGNING_SECRET, precedence, errors that never quote secrets, caching.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WorkerError } from '../errors/worker-error.ts';
import { cachedKeyRing, readKeyRing } from './keyring.ts';

const KEYS = JSON.stringify({
  'east-1': { secret: 'e1', cluster: 'east' },
  'west.2024_b': { secret: 'w2', cluster: 'west.example.com' },
});

function internalError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof WorkerError);
    assert.equal(error.code, 'internal');
    return error.message;
  }
  assert.fail('expected a WorkerError');
}

describe('readKeyRing', () => {
  test('reads SIGNING_SECRET as key `default` of cluster `default`', () => {
    assert.deepEqual(
      [...readKeyRing({ SIGNING_SECRET: 's' })],
      [['default', { secret: 's', cluster: 'default' }]],
    );
  });

  test('reads every SIGNING_KEYS entry beside SIGNING_SECRET', () => {
    const ring = readKeyRing({ SIGNING_KEYS: KEYS, SIGNING_SECRET: 's' });
    assert.deepEqual([...ring.keys()].sort(), ['default', 'east-1', 'west.2024_b']);
    assert.equal(ring.get('west.2024_b')?.cluster, 'west.example.com');
  });

  test('lets a SIGNING_KEYS entry `default` take precedence over SIGNING_SECRET', () => {
    const ring = readKeyRing({
      SIGNING_KEYS: '{"default":{"secret":"new","cluster":"prod"}}',
      SIGNING_SECRET: 'old',
    });
    assert.deepEqual(ring.get('default'), { secret: 'new', cluster: 'prod' });
  });

  test('treats empty secrets and `{}` as no keys, and says what to set', () => {
    for (const bindings of [{}, { SIGNING_SECRET: '' }, { SIGNING_KEYS: '{}', SIGNING_SECRET: '' }]) {
      assert.match(
        internalError(() => readKeyRing(bindings)),
        /no signing key: set SIGNING_KEYS/,
      );
    }
  });

  test('refuses malformed SIGNING_KEYS without quoting it', () => {
    const cases = [
      '{"k1": {"secret": "hunter2"',
      '{"k1": {"secret": "hunter2"}}',
      '{"k1": {"secret": "hunter2", "cluster": "UPPER"}}',
      '{"bad id": {"secret": "hunter2", "cluster": "c"}}',
      '{"k1": {"secret": "", "cluster": "c"}}',
      '{"k1": {"secret": "hunter2", "cluster": "c", "extra": "hunter2"}}',
      '["hunter2"]',
    ];
    for (const text of cases) {
      const message = internalError(() => readKeyRing({ SIGNING_KEYS: text, SIGNING_SECRET: 's' }));
      assert.match(message, /^SIGNING_KEYS .*: set it to JSON/, text);
      assert.doesNotMatch(message, /hunter2/, text);
    }
  });
});

describe('cachedKeyRing', () => {
  test('parses again only when the secrets change', () => {
    const ringOf = cachedKeyRing();
    const first = ringOf({ SIGNING_KEYS: KEYS });
    assert.equal(ringOf({ SIGNING_KEYS: KEYS }), first);
    const second = ringOf({ SIGNING_KEYS: KEYS, SIGNING_SECRET: 's' });
    assert.notEqual(second, first);
    assert.ok(second.has('default'));
  });
});
