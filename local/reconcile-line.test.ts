// Tests of the readable reconcile line made from the relay's structured log records.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reconcileLine } from './reconcile-line.ts';

const kindOf = (name: string): string | undefined => (name === 'demo-website' ? 'Website' : undefined);

test('reconcileLine should show time, primary, trigger, duration and what was applied', () => {
  const line = reconcileLine(
    {
      time: '2026-11-22T03:01:02.345Z',
      level: 'info',
      msg: 'reconciled',
      reconciler: 'demo-website',
      key: 'zeroloop-demo/hello',
      trigger: 'primary',
      applied: 3,
      pruned: 1,
      statusWritten: true,
      requeueAfterMs: null,
      durationMs: 41.6,
    },
    kindOf,
  );
  assert.equal(
    line,
    '03:01:02.345  Website zeroloop-demo/hello         trigger=primary     42 ms  ok: applied 3, pruned 1, status written',
  );
});

test('reconcileLine should show the error code, message and retry of a failed reconcile', () => {
  const line = reconcileLine(
    {
      time: '2026-11-22T03:01:02.345Z',
      msg: 'reconcile failed',
      reconciler: 'other',
      key: 'ns/db',
      trigger: 'owned',
      result: 'worker_error',
      error: { name: 'WorkerUnavailable', message: 'connect ECONNREFUSED\nstack' },
      retryInMs: 400,
      durationMs: 3,
    },
    kindOf,
  );
  assert.equal(
    line,
    '03:01:02.345  other ns/db                         trigger=owned      3.0 ms  error WorkerUnavailable: connect ECONNREFUSED (retry in 400 ms)',
  );
});

test('reconcileLine should leave other relay lines alone', () => {
  assert.equal(reconcileLine({ time: 'x', msg: 'relay started' }, kindOf), undefined);
  assert.equal(reconcileLine({ msg: 'reconciled', key: 'a/b' }, kindOf), undefined);
  assert.equal(reconcileLine('not an object', kindOf), undefined);
});
