// Unit tests of the per-Reconciler record of incompatible workers: which Reconcilers an answer concerns, and only changes reported.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DispatchError } from '../dispatch/errors.ts';
import { WorkerCompatibility, type WorkerTarget } from './worker-compatibility.ts';

const A = 'http://worker-a';
const B = 'http://worker-b';
const reconcilers: [string, WorkerTarget][] = [
  ['shop-website', { endpoint: A, reconciler: 'website' }],
  ['blog-website', { endpoint: A, reconciler: 'website' }],
  ['shop-database', { endpoint: A, reconciler: 'database' }],
  ['other-website', { endpoint: B, reconciler: 'website' }],
];

function incompatible(message: string): DispatchError {
  return new DispatchError({ kind: 'IncompatibleWorker', key: 'ns/x', reconciler: 'website', message });
}

test('WorkerCompatibility should mark every Reconciler calling that worker under that name, once per message', () => {
  const c = new WorkerCompatibility();
  const answer = { endpoint: A, reconciler: 'website', incompatible: incompatible('protocol 2 vs 1') };
  assert.deepEqual(c.record(answer, reconcilers), [
    { name: 'shop-website', incompatible: true, message: 'protocol 2 vs 1' },
    { name: 'blog-website', incompatible: true, message: 'protocol 2 vs 1' },
  ]);
  assert.deepEqual(c.record(answer, reconcilers), [], 'the same answer again changes nothing');
  assert.equal(c.message('shop-website'), 'protocol 2 vs 1');
  assert.equal(c.message('shop-database'), undefined);
  assert.equal(c.message('other-website'), undefined);
  const changed = { ...answer, incompatible: incompatible('protocol 3 vs 1') };
  assert.equal(c.record(changed, reconcilers).length, 2, 'a new message is a change');
});

test('WorkerCompatibility should report a Reconciler compatible again on the first matching answer, and forget on restart', () => {
  const c = new WorkerCompatibility();
  c.record({ endpoint: A, reconciler: 'website', incompatible: incompatible('x') }, reconcilers);
  assert.deepEqual(
    c.record({ endpoint: A, reconciler: 'database', incompatible: undefined }, reconcilers),
    [],
  );
  assert.deepEqual(c.record({ endpoint: A, reconciler: 'website', incompatible: undefined }, reconcilers), [
    { name: 'shop-website', incompatible: false },
    { name: 'blog-website', incompatible: false },
  ]);
  assert.deepEqual(
    c.record({ endpoint: A, reconciler: 'website', incompatible: undefined }, reconcilers),
    [],
  );
  c.record({ endpoint: A, reconciler: 'website', incompatible: incompatible('x') }, reconcilers);
  c.forget('shop-website');
  assert.equal(c.message('shop-website'), undefined);
  assert.equal(c.message('blog-website'), 'x');
});
