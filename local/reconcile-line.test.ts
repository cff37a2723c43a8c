// Tests of the readable reconcile line made from the relay's ReconcileRecord.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ReconcileLineRecord } from './reconcile-line.ts';
import { reconcileLine } from './reconcile-line.ts';

const kindOf = (name: string): string | undefined => (name === 'demo-website' ? 'Website' : undefined);

const record = (extra: Partial<ReconcileLineRecord>): ReconcileLineRecord => ({
  reconciler: 'demo-website',
  key: 'zeroloop-demo/hello',
  trigger: { type: 'primary' },
  result: 'success',
  startedAt: Date.parse('2026-11-22T03:01:02.300Z'),
  durationMs: 41.6,
  applied: 0,
  pruned: 0,
  statusWritten: false,
  ...extra,
});

test('reconcileLine should show the finish time, primary, trigger, duration and what was applied', () => {
  const line = reconcileLine(record({ applied: 3, pruned: 1, statusWritten: true }), kindOf);
  assert.equal(
    line,
    '03:01:02.341  Website zeroloop-demo/hello         trigger=primary     42 ms  ok: applied 3, pruned 1, status written',
  );
});

test('reconcileLine should show the requeue-after a reconcile asked for', () => {
  const line = reconcileLine(record({ requeueAfterMs: 30_000 }), kindOf);
  assert.match(line, /ok: applied 0, pruned 0, status unchanged, requeue in 30000 ms$/);
});

test('reconcileLine should show the error code, message and retry of a failed reconcile', () => {
  const line = reconcileLine(
    record({
      reconciler: 'other',
      key: 'ns/db',
      trigger: { type: 'owned', ref: { apiVersion: 'v1', kind: 'Service', namespace: 'ns', name: 'db' } },
      result: 'worker_unavailable',
      durationMs: 3,
      error: { name: 'WorkerUnavailable', message: 'connect ECONNREFUSED\nstack' },
      retryInMs: 400,
    }),
    kindOf,
  );
  assert.equal(
    line,
    '03:01:02.303  other ns/db                         trigger=owned      3.0 ms  error WorkerUnavailable: connect ECONNREFUSED (retry in 400 ms)',
  );
});

test('reconcileLine should name the result label of a failure that has no error', () => {
  const line = reconcileLine(record({ result: 'scope_rejected' }), kindOf);
  assert.match(line, /error scope_rejected$/);
});
