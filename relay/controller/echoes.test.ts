// Unit tests of echo recognition: the relay's own writes wake nothing, anyone else's change does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { identity } from '../apply/ownership.ts';
import type { KObject } from '../kube/object.ts';
import { Echoes } from './echoes.ts';

const obj = (rv: string, uid = 'c1'): KObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cm', namespace: 'ns', uid, resourceVersion: rv },
});

test('echoes should recognise the resourceVersion the relay wrote, and nothing else', () => {
  const echoes = new Echoes();
  echoes.expect(new Map([[identity(obj('7')), '7']]), []);
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
  echoes.expect(new Map(), []);
  assert.equal(echoes.size, 0, 'a non-echo forgets the expectation');
});

test('echoes should recognise the deletion of a pruned uid only', () => {
  const echoes = new Echoes();
  echoes.expect(new Map(), ['c1']);
  assert.equal(echoes.isEcho({ type: 'deleted', object: obj('9', 'c1') }), true);
  assert.equal(echoes.isEcho({ type: 'deleted', object: obj('9', 'other') }), false);
});

test('echoes should keep a bounded number of pruned uids', () => {
  const echoes = new Echoes({ maxPruned: 2 });
  echoes.expect(new Map(), ['a', 'b', 'c']);
  assert.equal(echoes.size, 2);
  assert.equal(echoes.isEcho({ type: 'deleted', object: obj('1', 'a') }), false, 'the oldest went first');
});
