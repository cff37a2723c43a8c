// Unit tests of the outcome → queue mapping: forget, requeue-after (slowed while flapping), retry with Retry-After, park.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DispatchError } from '../dispatch/errors.ts';
import { queueOps } from './outcome.ts';
import { emptyTrace, type SyncTrace } from './sync.ts';

const trace: SyncTrace = { ...emptyTrace(), passes: 1 };
const asked = (ms: number) => ms;

test('queueOps should forget a primary that is gone or not ours to reconcile', () => {
  assert.deepEqual(queueOps({ type: 'skipped' }, asked), [{ op: 'forget' }]);
});

test('queueOps should park a key on the gate of the dependency that is down, and forget nothing', () => {
  assert.deepEqual(queueOps({ type: 'parked', gate: 'worker' }, asked), [{ op: 'park', gate: 'worker' }]);
  assert.deepEqual(queueOps({ type: 'parked', gate: 'apiserver' }, asked), [
    { op: 'park', gate: 'apiserver' },
  ]);
});

test('queueOps should forget a success that asks for no requeue', () => {
  assert.deepEqual(queueOps({ type: 'reconciled', trace, requeueAfterMs: null }, asked), [{ op: 'forget' }]);
});

test('queueOps should add a success back after its requeue-after, slowed as the flap detector says, and forget its failures', () => {
  assert.deepEqual(queueOps({ type: 'reconciled', trace, requeueAfterMs: 5000 }, asked), [
    { op: 'addAfter', delayMs: 5000 },
    { op: 'forget' },
  ]);
  const flapping = (ms: number) => ms * 4;
  assert.deepEqual(queueOps({ type: 'reconciled', trace, requeueAfterMs: 5000 }, flapping), [
    { op: 'addAfter', delayMs: 20_000 },
    { op: 'forget' },
  ]);
  assert.deepEqual(queueOps({ type: 'reconciled', trace, requeueAfterMs: 0 }, asked)[0], {
    op: 'addAfter',
    delayMs: 0,
  });
});

test('queueOps should retry a failure with backoff, at least the worker’s Retry-After, and never forget it', () => {
  const throttled = new DispatchError({
    kind: 'Throttled',
    key: 'demo/a',
    reconciler: 'r',
    message: 'slow down',
    status: 429,
    retryAfterMs: 7000,
  });
  assert.deepEqual(queueOps({ type: 'failed', trace, error: throttled }, asked), [
    { op: 'addRateLimited', retryAfterMs: 7000 },
  ]);
  assert.deepEqual(queueOps({ type: 'failed', trace, error: new Error('boom') }, asked), [
    { op: 'addRateLimited', retryAfterMs: undefined },
  ]);
});
