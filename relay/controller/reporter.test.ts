// Unit tests of the reporter: a failure's Warning Event, record and counter; the answer's Events capped; RBAC refusal observers; a throwing observer; durations on the injected clock.
import assert from 'node:assert/strict';
import { setImmediate } from 'node:timers/promises';
import { test } from 'node:test';
import { ApplyFailed } from '../apply/applier.ts';
import { EventRecorder } from '../apply/events.ts';
import { DispatchError } from '../dispatch/errors.ts';
import { Forbidden } from '../kube/forbidden.ts';
import type { KObject } from '../kube/object.ts';
import { createLogger } from '../observe/log.ts';
import { relayMetrics } from '../observe/metrics.ts';
import { PhaseTimer } from '../observe/phases.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { FakeKube } from '../testing/fake-kube.ts';
import { type ReconcileContext, Reporter } from './reporter.ts';
import type { ReconcileRecord } from './result.ts';
import { emptyTrace, type SyncTrace } from './sync.ts';
import { MSG_OBSERVER_FAILED, MSG_RECONCILE_FAILED } from './reporter.ts';

const primary = {
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name: 'w1', namespace: 'demo', uid: 'u1', generation: 1 },
} as KObject;

function setup() {
  const clock = new FakeClock();
  const kube = new FakeKube();
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({
    write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
    now: () => clock.now(),
  });
  const metrics = relayMetrics();
  const reporter = new Reporter({
    reconciler: 'widgets',
    recorder: new EventRecorder({ client: kube, clock }),
    metrics,
    log,
    clock,
  });
  const records: ReconcileRecord[] = [];
  reporter.onReconcile.add((r) => records.push(r));
  const context = (): ReconcileContext => ({
    key: 'demo/w1',
    primary,
    trigger: { type: 'primary' },
    started: clock.now(),
    phases: new PhaseTimer(),
    log: log.child({ key: 'demo/w1' }),
    plan: { finalizing: false, finalizer: 'zeroloop.dev/widgets' },
  });
  const postedReasons = () =>
    kube.requests.filter((r) => r.method === 'POST').map((r) => (r.body as { reason: string }).reason);
  return { clock, kube, lines, metrics, reporter, records, context, postedReasons };
}

const trace = (extra: Partial<SyncTrace> = {}): SyncTrace => ({
  ...emptyTrace(),
  passes: 1,
  ...extra,
});
const unflapped = { flap: undefined, flapping: () => [] };

test('reporter should leave a failure’s Warning Event, a record with its error and duration on the relay’s clock, a log line and a counted result', async () => {
  const s = setup();
  const c = s.context();
  await s.clock.advance(1500);
  const error = new DispatchError({
    kind: 'WorkerUnavailable',
    key: 'demo/w1',
    reconciler: 'widgets',
    message: 'down',
  });
  s.reporter.reconciled(c, { type: 'failed', trace: trace(), error }, { ...unflapped, retryInMs: 250 });
  await setImmediate();
  assert.deepEqual(s.postedReasons(), ['WorkerUnavailable']);
  const record = s.records[0];
  assert.ok(record);
  assert.equal(record.result, 'worker_unavailable');
  assert.equal(record.durationMs, 1500);
  assert.equal(record.retryInMs, 250);
  assert.equal(record.error?.name, 'WorkerUnavailable');
  assert.deepEqual(
    record.events.map((e) => e.reason),
    ['WorkerUnavailable'],
  );
  const failed = s.lines.find((l) => l.msg === MSG_RECONCILE_FAILED);
  assert.ok(failed);
  assert.equal(failed.retryInMs, 250);
  assert.equal(failed.key, 'demo/w1');
  assert.equal(await s.metrics.reconciles.get({ reconciler: 'widgets', result: 'worker_unavailable' }), 1);
});

test('reporter should record the answer’s Events up to the cap, then one TooManyEvents Warning, and count the dropped ones', async () => {
  const s = setup();
  const events = [
    { type: 'Normal' as const, reason: 'Created', message: 'one' },
    { type: 'Normal' as const, reason: 'Scaled', message: 'two' },
  ];
  const answered = {
    bounded: { events, droppedEvents: 3, requeueAfterMs: null, requeueClamped: false },
    wrote: true,
    selectorsRefused: [],
    requeueAfterMs: null,
  };
  s.reporter.reconciled(
    s.context(),
    { type: 'reconciled', trace: trace({ answered }), requeueAfterMs: null },
    unflapped,
  );
  await setImmediate();
  assert.deepEqual(s.postedReasons(), ['Created', 'Scaled', 'TooManyEvents']);
  const record = s.records[0];
  assert.ok(record);
  assert.equal(record.result, 'success');
  assert.match(record.events[2]?.message ?? '', /^3 more Events .*spec\.limits\.maxEventsPerAnswer is 2$/);
  assert.equal(await s.metrics.eventsDropped.get({ reconciler: 'widgets', reason: 'answer_cap' }), 3);
});

test('reporter should tell RBAC observers of a Forbidden write, and of the first success after it, once', async () => {
  const s = setup();
  const seen: (string | undefined)[] = [];
  s.reporter.onWriteForbidden.add((f) => seen.push(f?.verb));
  const forbidden = new Forbidden(
    { verb: 'patch', apiVersion: 'v1', resource: 'configmaps', namespace: 'demo' },
    new Error('403'),
  );
  const error = new ApplyFailed('demo/w1', 'apply', 'refused', forbidden);
  s.reporter.reconciled(s.context(), { type: 'failed', trace: trace(), error }, unflapped);
  s.reporter.reconciled(s.context(), { type: 'reconciled', trace: trace(), requeueAfterMs: null }, unflapped);
  s.reporter.reconciled(s.context(), { type: 'reconciled', trace: trace(), requeueAfterMs: null }, unflapped);
  await setImmediate();
  assert.deepEqual(seen, ['patch', undefined]);
});

test('reporter should log an observer that throws and still call the others', async () => {
  const s = setup();
  s.reporter.onReconcile.add(() => {
    throw new Error('observer bug');
  });
  let after = 0;
  s.reporter.onReconcile.add(() => after++);
  s.reporter.reconciled(s.context(), { type: 'reconciled', trace: trace(), requeueAfterMs: null }, unflapped);
  await setImmediate();
  assert.equal(after, 1);
  assert.equal(s.records.length, 1);
  assert.ok(s.lines.some((l) => l.msg === MSG_OBSERVER_FAILED && l.key === 'demo/w1'));
});
