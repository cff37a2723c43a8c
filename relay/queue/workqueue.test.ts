// Unit tests of the work queue's invariants: dedup, no concurrent processing of a key, one more run after done.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkQueue } from './workqueue.ts';

test('workqueue should deduplicate a key added several times while waiting', async () => {
  const q = new WorkQueue();
  q.add('a');
  q.add('b');
  q.add('a');
  assert.equal(q.length, 2);
  assert.equal(await q.get(), 'a');
  assert.equal(await q.get(), 'b');
  assert.equal(q.length, 0);
});

test('workqueue should never hand out a key that is processing', async () => {
  const q = new WorkQueue();
  q.add('a');
  const first = await q.get();
  assert.equal(first, 'a');
  q.add('a');
  q.add('b');
  // 'a' is processing, so only 'b' may be handed out.
  assert.equal(await q.get(), 'b');
  let handedOut: string | undefined;
  void q.get().then((k) => (handedOut = k));
  await new Promise((r) => setImmediate(r));
  assert.equal(handedOut, undefined, 'a must wait until done(a)');
  q.done('a');
  await new Promise((r) => setImmediate(r));
  assert.equal(handedOut, 'a');
});

test('workqueue should run a key exactly once more after done however often it was added meanwhile', async () => {
  const q = new WorkQueue();
  q.add('a');
  assert.equal(await q.get(), 'a');
  for (let i = 0; i < 50; i++) q.add('a');
  assert.equal(q.length, 0);
  q.done('a');
  assert.equal(q.length, 1);
  assert.equal(await q.get(), 'a');
  q.done('a');
  assert.equal(q.length, 0);
  assert.equal(q.processing, 0);
});

test('workqueue should wake a blocked getter when a key is added', async () => {
  const q = new WorkQueue();
  const pending = q.get();
  q.add('x');
  assert.equal(await pending, 'x');
});

test('workqueue should release getters with undefined and ignore adds after shutDown', async () => {
  const q = new WorkQueue();
  const pending = q.get();
  q.shutDown();
  assert.equal(await pending, undefined);
  q.add('a');
  assert.equal(q.length, 0);
  assert.equal(await q.get(), undefined);
});

test('workqueue drained should resolve once in-flight keys are done', async () => {
  const q = new WorkQueue();
  q.add('a');
  await q.get();
  let drained = false;
  void q.drained().then(() => (drained = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(drained, false);
  q.done('a');
  await new Promise((r) => setImmediate(r));
  assert.equal(drained, true);
});
