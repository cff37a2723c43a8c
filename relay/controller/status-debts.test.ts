// Unit tests of the status debts on fake time: a debt enqueues its primary after the grace period unless a reconcile pays it first.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Trigger } from '../../src/protocol/schemas.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { StatusDebts } from './status-debts.ts';

const written: Trigger = {
  type: 'owned',
  ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'demo', name: 'w1' },
};

function debts() {
  const clock = new FakeClock();
  const enqueued: [string, Trigger][] = [];
  const d = new StatusDebts({
    clock,
    graceMs: 1000,
    enqueue: (key, trigger) => enqueued.push([key, trigger]),
  });
  return { clock, enqueued, d };
}

test('status debts should enqueue the primary with the written object as trigger once the grace period passes unpaid', async () => {
  const { clock, enqueued, d } = debts();
  d.owe('demo/w1', written);
  await clock.advance(999);
  assert.deepEqual(enqueued, [], 'not before the grace period');
  await clock.advance(1);
  assert.deepEqual(enqueued, [['demo/w1', written]]);
  assert.equal(d.size, 0, 'a debt that fell due holds no timer');
});

test('status debts should enqueue nothing when a reconcile of the primary starts within the grace period', async () => {
  const { clock, enqueued, d } = debts();
  d.owe('demo/w1', written);
  d.owe('demo/w2', written);
  await clock.advance(10);
  d.paid('demo/w1');
  await clock.advance(5000);
  assert.deepEqual(
    enqueued.map(([key]) => key),
    ['demo/w2'],
  );
});

test('status debts should restart the grace period when the same primary owes again, and hold nothing after clear', async () => {
  const { clock, enqueued, d } = debts();
  d.owe('demo/w1', written);
  await clock.advance(800);
  d.owe('demo/w1', written);
  await clock.advance(800);
  assert.deepEqual(enqueued, [], 'the second debt replaced the first');
  d.owe('demo/w3', written);
  d.clear();
  await clock.advance(5000);
  assert.deepEqual(enqueued, []);
  assert.equal(d.size, 0);
});
