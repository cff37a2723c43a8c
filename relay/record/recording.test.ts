// Unit tests of recordings: Secret values redacted everywhere, the answer's three shapes, and files that are not recordings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject, ReconcileRequest } from '../../src/protocol/schemas.ts';
import { recordingOf, type RecordedReconcile } from './recorder.ts';
import { parseRecording, REDACTED, RecordingInvalid, wantsRecording } from './recording.ts';

const secret = (name: string, body: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: {
    name,
    namespace: 'db',
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"password":"c2VjcmV0"}}' },
  },
  ...body,
});
const primary: KubeObject = {
  apiVersion: 'examples.zeroloop.dev/v1alpha1',
  kind: 'Database',
  metadata: { name: 'orders', namespace: 'db', annotations: { 'zeroloop.dev/record': 'true' } },
};
const request: ReconcileRequest = {
  primary,
  owned: [secret('orders-auth', { data: { password: 'c2VjcmV0' } })],
  related: [secret('shared', { stringData: { token: 'plain' } })],
  trigger: { type: 'primary' },
  finalizing: false,
};
const record = (more: Partial<RecordedReconcile>): RecordedReconcile => ({
  key: 'db/orders',
  trigger: { type: 'primary' },
  result: 'success',
  durationMs: 12,
  phasesMs: { worker: 3 },
  request,
  ...more,
});

test('a recording redacts Secret data, stringData and last-applied in the request and the answer', () => {
  const answer = {
    desired: [secret('orders-auth', { stringData: { password: 'new' } })],
    status: null,
    related: [],
    events: [],
    requeueAfterMs: null,
    finalized: false,
  };
  const recording = recordingOf('database', record({ answer }), 'abc', new Date(0));
  assert.ok(recording);
  const text = JSON.stringify(recording);
  for (const clear of ['c2VjcmV0', '"plain"', '"new"'])
    assert.ok(!text.includes(clear), `${clear} is redacted`);
  assert.deepEqual(recording.request.owned[0]?.data, { password: REDACTED.data });
  assert.deepEqual(recording.request.related[0]?.stringData, { token: REDACTED.stringData });
  assert.deepEqual(recording.redacted, [
    'Secret db/orders-auth: data.password',
    'Secret db/orders-auth: metadata.annotations.kubectl.kubernetes.io/last-applied-configuration',
    'Secret db/shared: stringData.token',
    'Secret db/shared: metadata.annotations.kubectl.kubernetes.io/last-applied-configuration',
    'Secret db/orders-auth: stringData.password',
  ]);
  // The original request is untouched: the relay goes on using it.
  assert.deepEqual(request.owned[0]?.data, { password: 'c2VjcmV0' });
  assert.deepEqual(parseRecording('x.json', text), recording);
});

test('the answer is ok, the refusal, or none with the reason; no request means no recording', () => {
  const refused = recordingOf(
    'database',
    record({
      result: 'reconciler_error',
      error: { name: 'ReconcilerError', message: 'refused db/orders: spec.size' },
    }),
    undefined,
    new Date(0),
  );
  assert.ok(refused);
  assert.deepEqual(refused.answer, { err: 'refused db/orders: spec.size' });
  assert.equal(refused.buildHash, null);
  const timedOut = recordingOf(
    'database',
    record({
      result: 'worker_timeout',
      error: { name: 'WorkerTimeout', message: 'no answer within 10000 ms' },
    }),
    'h',
    new Date(0),
  );
  assert.deepEqual(timedOut?.answer, { none: 'no answer within 10000 ms' });
  const noRequest = record({});
  delete noRequest.request;
  assert.equal(recordingOf('database', noRequest, 'h', new Date(0)), undefined);
});

test('only primaries annotated zeroloop.dev/record: "true" ask to be recorded', () => {
  assert.equal(wantsRecording(primary), true);
  assert.equal(
    wantsRecording({ ...primary, metadata: { name: 'x', annotations: { 'zeroloop.dev/record': 'yes' } } }),
    false,
  );
  assert.equal(wantsRecording({ ...primary, metadata: { name: 'x' } }), false);
});

test('a file that is not a recording is a RecordingInvalid naming the file and the field', () => {
  assert.throws(
    () => parseRecording('a.json', '{'),
    (e) => e instanceof RecordingInvalid && /^a.json: not JSON/.test(e.message),
  );
  assert.throws(
    () => parseRecording('b.json', JSON.stringify({ version: 1, reconciler: 'x' })),
    (e) =>
      e instanceof RecordingInvalid && /^b.json: not a recording \(version 1\): buildHash/.test(e.message),
  );
});
