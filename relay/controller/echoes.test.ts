// Unit tests of echo recognition: the relay's own writes wake nothing, anyone else's change (and any deletion) does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { identity } from '../apply/ownership.ts';
import type { KObject } from '../kube/object.ts';
import { Echoes } from './echoes.ts';

const obj = (rv: string): KObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cm', namespace: 'ns', uid: 'c1', resourceVersion: rv },
});

test('echoes should recognise the resourceVersion the relay wrote, and nothing else', () => {
  const echoes = new Echoes();
  echoes.expect(new Map([[identity(obj('7')), obj('7')]]));
  assert.equal(echoes.isEcho({ type: 'modified', object: obj('7'), old: obj('6') }), true);
  assert.equal(
    echoes.isEcho({ type: 'modified', object: obj('7'), old: obj('6') }),
    true,
    'asked twice, same answer',
  );
  assert.equal(
    echoes.isEcho({ type: 'modified', object: obj('8'), old: obj('7') }),
    false,
    "someone else's change",
  );
});

test('echoes should recognise each of several writes of one object, in order', () => {
  const echoes = new Echoes();
  echoes.expect(new Map([[identity(obj('7')), obj('7')]]));
  echoes.expect(new Map([[identity(obj('9')), obj('9')]]));
  assert.equal(echoes.isEcho({ type: 'modified', object: obj('7'), old: obj('6') }), true);
  assert.equal(
    echoes.isEcho({ type: 'modified', object: obj('8'), old: obj('7') }),
    false,
    'between them: not ours',
  );
  assert.equal(echoes.isEcho({ type: 'modified', object: obj('9'), old: obj('8') }), true);
  assert.equal(
    echoes.isEcho({ type: 'modified', object: obj('7'), old: obj('6') }),
    false,
    'older ones dropped',
  );
});

test('echoes should never take a deletion for an echo, and forget the object', () => {
  const echoes = new Echoes();
  echoes.expect(new Map([[identity(obj('7')), obj('7')]]));
  assert.equal(echoes.isEcho({ type: 'deleted', object: obj('7') }), false);
  assert.equal(echoes.size, 0);
});
