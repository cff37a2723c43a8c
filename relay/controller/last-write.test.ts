// Unit tests of the last write's outcome per primary: applied, failed at a step with the apiserver's message cut to 1 KiB, kept when nothing was written.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_WRITE_MESSAGE_BYTES } from '../../src/protocol/schemas.ts';
import { ApplyFailed } from '../apply/patch.ts';
import { DispatchError } from '../dispatch/errors.ts';
import { cut, LastWrites } from './last-write.ts';
import { emptyTrace, type SyncOutcome } from './sync.ts';

const applied = (): SyncOutcome => ({
  type: 'reconciled',
  trace: {
    ...emptyTrace(),
    answered: {
      bounded: { events: [], droppedEvents: 0, requeueAfterMs: null, requeueClamped: false },
      wrote: true,
      selectorsRefused: [],
      requeueAfterMs: null,
    },
  },
  requeueAfterMs: null,
});
const failed = (error: unknown): SyncOutcome => ({ type: 'failed', trace: emptyTrace(), error });

test('last writes should start unknown, then say applied or failed at the step with the apiserver’s message', () => {
  const writes = new LastWrites();
  assert.deepEqual(writes.of('demo/a'), { state: 'unknown' });
  writes.record(
    'demo/a',
    failed(new ApplyFailed('demo/a', 'apply', 'Deployment demo/a: admission webhook denied')),
  );
  assert.deepEqual(writes.of('demo/a'), {
    state: 'failed',
    step: 'apply',
    message: 'Deployment demo/a: admission webhook denied',
  });
  writes.record('demo/a', applied());
  assert.deepEqual(writes.of('demo/a'), { state: 'applied' });
  writes.record('demo/a', failed(new ApplyFailed('demo/a', 'status', 'the status subresource is gone')));
  assert.equal(writes.of('demo/a').state, 'failed');
  writes.forget('demo/a');
  assert.deepEqual(writes.of('demo/a'), { state: 'unknown' });
});

test('last writes should keep the last outcome when a reconcile wrote no answer', () => {
  const writes = new LastWrites();
  writes.record('demo/a', failed(new ApplyFailed('demo/a', 'prune', 'forbidden')));
  writes.record(
    'demo/a',
    failed(
      new DispatchError({ kind: 'WorkerUnavailable', key: 'demo/a', reconciler: 'r', message: 'refused' }),
    ),
  );
  writes.record('demo/a', failed(new ApplyFailed('demo/a', 'finalizer', 'conflict')));
  assert.deepEqual(writes.of('demo/a'), { state: 'failed', step: 'prune', message: 'forbidden' });
});

test('last write messages should be cut to 1 KiB of UTF-8 with an ellipsis, never inside a character', () => {
  const long = 'é'.repeat(2000);
  const message = cut(long, MAX_WRITE_MESSAGE_BYTES);
  assert.ok(new TextEncoder().encode(message).length <= MAX_WRITE_MESSAGE_BYTES);
  assert.ok(message.endsWith('…'));
  assert.ok(!message.includes('\uFFFD'));
  assert.equal(cut('short', MAX_WRITE_MESSAGE_BYTES), 'short');
});
