// Unit tests of one reconcile (sync): the worker's answer applied through the real Applier to a fake apiserver, the status a write leaves owed, the finalizer, related selectors and failures as outcomes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kindId, refOf } from '../../src/keys.ts';
import type { ReconcileRequest, ReconcileResponse } from '../../src/protocol/schemas.ts';
import { type ControllerConfig, ReconcilerSpec } from '../api/reconciler.ts';
import { Applier } from '../apply/applier.ts';
import { OWNER_LABEL } from '../apply/ownership.ts';
import { DispatchError } from '../dispatch/errors.ts';
import type { ResourceInfo } from '../kube/discovery.ts';
import type { KObject } from '../kube/object.ts';
import { PhaseTimer } from '../observe/phases.ts';
import { FakeKube } from '../testing/fake-kube.ts';
import { planFinalizer } from './finalizer.ts';
import type { ControllerKinds } from './kinds.ts';
import { AnswerLimitExceeded } from './limits.ts';
import type { ResolvedSelector } from './related.ts';
import { type RelatedSelectors, sync, type SyncDeps, type SyncInput } from './sync.ts';
import { WrittenStatuses } from './written-status.ts';
import { answer } from '../testing/answer.ts';

const WIDGET: ResourceInfo = {
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  plural: 'widgets',
  namespaced: true,
};
const CONFIGMAP: ResourceInfo = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  namespaced: true,
};
const SECRET: ResourceInfo = { apiVersion: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true };
const kinds: ControllerKinds = {
  primary: WIDGET,
  owns: new Map([[kindId(CONFIGMAP), CONFIGMAP]]),
  reads: new Map([[kindId(SECRET), SECRET]]),
};
const PRIMARY_PATH = '/apis/example.com/v1/namespaces/demo/widgets/w1';
const CM_PATH = '/api/v1/namespaces/demo/configmaps/w1-config';

function config(overrides: Record<string, unknown> = {}): ControllerConfig {
  const spec = ReconcilerSpec.parse({
    reconciler: 'widgets',
    endpoint: 'http://worker.test',
    signingSecretRef: { namespace: 'zeroloop', name: 'signing', key: 'key' },
    primary: { apiVersion: WIDGET.apiVersion, kind: WIDGET.kind },
    owns: [{ apiVersion: 'v1', kind: 'ConfigMap' }],
    reads: [{ apiVersion: 'v1', kind: 'Secret' }],
    ...overrides,
  });
  return { name: 'widgets', spec, signingKey: 'k' };
}

const configMap = (data: Record<string, string> = { a: '1' }) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'w1-config', namespace: 'demo' },
  data,
});

/** The related watches as sync sees them: selectors per key, and the Secrets they match. */
class FakeRelated implements RelatedSelectors {
  readonly sets: ResolvedSelector[][] = [];
  readonly secrets: KObject[];
  #selectors: ResolvedSelector[] = [];
  constructor(secrets: KObject[] = []) {
    this.secrets = secrets;
  }
  selectorsOf(): readonly ResolvedSelector[] {
    return this.#selectors;
  }
  objectsOf(): Promise<KObject[]> {
    return Promise.resolve(this.#selectors.length > 0 ? this.secrets : []);
  }
  set(_key: string, selectors: ResolvedSelector[]): Promise<void> {
    this.#selectors = selectors;
    this.sets.push(selectors);
    return Promise.resolve();
  }
}

interface Harness {
  kube: FakeKube;
  related: FakeRelated;
  requests: ReconcileRequest[];
  written: string[];
  deps: SyncDeps;
  input: (primary?: KObject) => SyncInput;
}

/** A sync over the real Applier and a FakeKube holding the primary; `worker` answers each request. */
function harness(
  worker: (request: ReconcileRequest) => ReconcileResponse | Promise<ReconcileResponse>,
  options: {
    config?: ControllerConfig;
    secrets?: KObject[];
    live?: (o: KObject) => KObject | undefined;
  } = {},
): Harness {
  const kube = new FakeKube();
  const stored = kube.put(PRIMARY_PATH, {
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { name: 'w1', namespace: 'demo', generation: 1 },
    spec: { size: 1 },
  });
  const primary = stored as unknown as KObject;
  const related = new FakeRelated(options.secrets);
  const requests: ReconcileRequest[] = [];
  const written: string[] = [];
  const cfg = options.config ?? config();
  const deps: SyncDeps = {
    config: cfg,
    client: kube,
    applier: new Applier({ client: kube }),
    worker: {
      call: async (_key, request) => {
        requests.push(structuredClone(request));
        return worker(request);
      },
    },
    related,
    live: options.live ?? (() => undefined),
    wrote: (w) => {
      written.push(...w.keys());
    },
  };
  const input = (p: KObject = primary): SyncInput => ({
    key: 'demo/w1',
    primary: p,
    owned: [],
    kinds,
    trigger: { type: 'primary' },
    plan: planFinalizer(p, cfg.spec),
    phases: new PhaseTimer(),
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  });
  return { kube, related, requests, written, deps, input };
}

test('sync should apply what the worker answers, stamped as the primary’s, and return its requeue-after clamped to the limits', async () => {
  const h = harness(() => answer({ desired: [configMap()], requeueAfterMs: 200 }));
  const outcome = await sync(h.deps, h.input());
  assert.equal(outcome.type, 'reconciled');
  assert.equal(outcome.requeueAfterMs, 1000, 'raised to minRequeueAfterSeconds');
  assert.equal(outcome.trace.applied, 1);
  assert.equal(outcome.trace.passes, 1);
  assert.equal(outcome.trace.answered?.bounded.requeueClamped, true);
  assert.equal(outcome.trace.calls.length, 1);
  assert.ok(outcome.trace.calls[0]?.answer, 'the exchange carries its answer');
  const cm = h.kube.objects.get(CM_PATH);
  const primaryUid = h.kube.objects.get(PRIMARY_PATH)?.metadata?.uid;
  assert.equal((cm?.metadata?.labels as Record<string, string>)[OWNER_LABEL], primaryUid);
  assert.equal(h.written.length, 1, 'its write is announced for echo recognition');
});

test('sync should leave the status of an answer that wrote unwritten and owed, with the written object as trigger, in one worker call', async () => {
  const h = harness((request) =>
    answer({ desired: [configMap()], status: { ownedSeen: request.owned.length } }),
  );
  const outcome = await sync(h.deps, h.input());
  assert.equal(outcome.type, 'reconciled');
  assert.equal(h.requests.length, 1, 'one worker call');
  assert.equal(outcome.trace.statusWritten, false);
  assert.deepEqual(outcome.trace.statusOwed, {
    type: 'owned',
    ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'demo', name: 'w1-config' },
  });
  const statusWrites = h.kube.requests.filter((r) => r.path === `${PRIMARY_PATH}/status`);
  assert.equal(statusWrites.length, 0, 'a status computed before the write is never written');
  // The next reconcile (woken by the child, or by the debt) sees the child and writes the status.
  const cm = h.kube.objects.get(CM_PATH) as unknown as KObject;
  h.deps.live = () => cm;
  const next = await sync(h.deps, { ...h.input(), owned: [cm], trigger: { type: 'owned', ref: refOf(cm) } });
  assert.equal(next.trace.statusWritten, true);
  assert.equal(next.trace.statusOwed, undefined);
  assert.deepEqual(h.kube.objects.get(PRIMARY_PATH)?.status, { ownedSeen: 1 });
});

test('sync should owe no status when the answer has none, or when it wrote nothing', async () => {
  const noStatus = harness(() => answer({ desired: [configMap()] }));
  assert.equal((await sync(noStatus.deps, noStatus.input())).trace.statusOwed, undefined);
  const h = harness(() => answer({ desired: [], status: { phase: 'Idle' } }));
  const outcome = await sync(h.deps, h.input());
  assert.equal(outcome.trace.statusWritten, true, 'nothing written: the status is written at once');
  assert.equal(outcome.trace.statusOwed, undefined);
});

test('sync should add the finalizer before the first worker call, and remove it once a finalizing answer says finalized', async () => {
  let writesBeforeCall = -1;
  const h = harness(
    (request) => {
      if (writesBeforeCall < 0) writesBeforeCall = h.kube.requests.length;
      return answer({ finalized: request.finalizing });
    },
    { config: config({ finalizer: true }) },
  );
  const first = await sync(h.deps, h.input());
  assert.equal(first.type, 'reconciled');
  assert.equal(writesBeforeCall, 1, 'one write (the finalizer) before the call');
  assert.deepEqual(h.kube.objects.get(PRIMARY_PATH)?.metadata?.finalizers, ['zeroloop.dev/widgets']);
  const deleting = {
    ...h.kube.objects.get(PRIMARY_PATH),
    metadata: { ...h.kube.objects.get(PRIMARY_PATH)?.metadata, deletionTimestamp: '2026-12-07T12:00:00Z' },
  } as unknown as KObject;
  const second = await sync(h.deps, h.input(deleting));
  assert.equal(second.type, 'reconciled');
  assert.equal(h.requests.at(-1)?.finalizing, true);
  assert.equal(second.trace.finalized, true);
  assert.deepEqual(h.kube.objects.get(PRIMARY_PATH)?.metadata?.finalizers, []);
  assert.deepEqual(h.related.sets.at(-1), [], 'a finalized primary releases its related watches');
});

test('sync should return a worker failure as its outcome, with the call it made, having written nothing', async () => {
  const unavailable = new DispatchError({
    kind: 'WorkerUnavailable',
    key: 'demo/w1',
    reconciler: 'widgets',
    message: 'connection refused',
  });
  const h = harness(() => Promise.reject(unavailable));
  const before = h.kube.requests.length;
  const outcome = await sync(h.deps, h.input());
  assert.equal(outcome.type, 'failed');
  assert.equal(outcome.error, unavailable);
  assert.equal(outcome.trace.calls.length, 1);
  assert.equal(outcome.trace.calls[0]?.answer, undefined);
  assert.equal(outcome.trace.answered, undefined);
  assert.equal(h.kube.requests.length, before);
});

test('sync should reject an answer over the limits and apply nothing of it', async () => {
  const h = harness(() => answer({ desired: [configMap(), configMap({ b: '2' })] }), {
    config: config({ limits: { maxDesiredObjects: 1 } }),
  });
  const outcome = await sync(h.deps, h.input());
  assert.equal(outcome.type, 'failed');
  assert.ok(outcome.error instanceof AnswerLimitExceeded);
  assert.equal(h.kube.objects.has(CM_PATH), false);
});

test('sync should ask again with the related objects when the answer changes its selectors, before applying, and note refused selectors', async () => {
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's1', namespace: 'demo', labels: { app: 'w1' } },
  } as KObject;
  const h = harness(
    () =>
      answer({
        desired: [configMap()],
        related: [
          { apiVersion: 'v1', kind: 'Secret', matchLabels: { app: 'w1' } },
          { apiVersion: 'v1', kind: 'Pod', matchLabels: {} },
        ],
      }),
    { secrets: [secret] },
  );
  const outcome = await sync(h.deps, h.input());
  assert.equal(outcome.type, 'reconciled');
  assert.equal(h.requests.length, 2);
  assert.equal(h.requests[0]?.related.length, 0);
  assert.equal(h.requests[1]?.related.length, 1, 'the second request carries the selected Secret');
  assert.equal(outcome.trace.related, 1);
  assert.deepEqual(outcome.trace.answered?.selectorsRefused, ["v1/Pod: not in the Reconciler's reads"]);
  const applies = h.kube.requests.filter((r) => r.path === CM_PATH && r.query?.dryRun === undefined);
  assert.equal(applies.length, 1, 'applied once, after the second answer');
});

test('sync should refuse to adopt an object that someone else created, and note it', async () => {
  const foreign = {
    ...configMap(),
    metadata: { ...configMap().metadata, uid: 'other', resourceVersion: '5' },
  };
  const h = harness(() => answer({ desired: [configMap()] }), { live: () => foreign });
  const outcome = await sync(h.deps, h.input());
  assert.equal(outcome.type, 'reconciled');
  assert.equal(outcome.trace.refused.length, 1);
  assert.equal(outcome.trace.applied, 0);
  assert.equal(h.kube.objects.has(CM_PATH), false);
});

test('sync should not write again a status the relay wrote when a reconcile reads the primary before the write’s watch event', async () => {
  const statuses = new WrittenStatuses();
  const h = harness((request) =>
    answer({ desired: [configMap()], status: { children: request.owned.length } }),
  );
  h.deps.wroteStatus = (key, primary, status, resourceVersion) => {
    statuses.wrote(key, primary, status, resourceVersion);
  };
  const statusWrites = () => h.kube.requests.filter((r) => r.path === `${PRIMARY_PATH}/status`).length;
  const stale = h.input().primary;
  const first = await sync(h.deps, h.input());
  assert.ok(first.trace.statusOwed, 'the write leaves the status owed');
  // Woken by the child's watch event: the cache holds the child, and the primary from before any status write.
  const cm = h.kube.objects.get(CM_PATH) as unknown as KObject;
  h.deps.live = () => cm;
  const woken = (p: KObject): SyncInput => ({
    ...h.input(p),
    owned: [cm],
    trigger: { type: 'owned', ref: refOf(cm) },
  });
  const second = await sync(h.deps, woken(statuses.view('demo/w1', stale)));
  assert.equal(second.trace.statusWritten, true);
  assert.equal(statusWrites(), 1);
  // Woken again before the status write's watch event: the primary as the relay wrote it, not the cache's.
  const third = await sync(h.deps, woken(statuses.view('demo/w1', stale)));
  assert.equal(third.type, 'reconciled');
  assert.equal(third.trace.statusWritten, false);
  assert.equal(statusWrites(), 1, 'the status is written once');
  assert.deepEqual(
    h.requests.at(-1)?.primary.status,
    { children: 1 },
    'the reconciler saw the status it wrote',
  );
  // The cached copy alone would have cost a second, identical status write.
  await sync(h.deps, woken(stale));
  assert.equal(statusWrites(), 2, 'without the memory');
  const caughtUp = h.kube.objects.get(PRIMARY_PATH) as unknown as KObject;
  assert.equal(statuses.view('demo/w1', caughtUp), caughtUp, 'once the cache catches up it is the truth');
  assert.equal(statuses.size, 0);
});

test('sync should send the Reconciler’s config and the last write’s outcome', async () => {
  const h = harness((request) => answer({ desired: [configMap()], status: { seen: request.owned.length } }), {
    config: config({ config: { image: 'nginx:1.27' } }),
  });
  const lastWrite = { state: 'failed', step: 'apply', message: 'admission webhook denied' } as const;
  const outcome = await sync(h.deps, { ...h.input(), lastWrite });
  assert.equal(outcome.type, 'reconciled');
  assert.deepEqual(
    h.requests.map((r) => [r.config, r.lastWrite]),
    [[{ image: 'nginx:1.27' }, lastWrite]],
  );
  const bare = harness(() => answer());
  await sync(bare.deps, bare.input());
  assert.equal('config' in (bare.requests[0] ?? {}), false, 'no config: none sent');
  assert.deepEqual(bare.requests[0]?.lastWrite, { state: 'unknown' });
});

test('sync should finalize a primary holding the configured finalizer name that another manager added, and the default one', async () => {
  const h = harness((request) => answer({ finalized: request.finalizing }), {
    config: config({ finalizer: true }),
  });
  const stored = h.kube.objects.get(PRIMARY_PATH);
  const migrated = h.kube.put(PRIMARY_PATH, {
    ...stored,
    metadata: {
      ...stored?.metadata,
      finalizers: ['example.com/finalizer', 'other.io/keep', 'zeroloop.dev/widgets'],
      deletionTimestamp: '2026-12-07T12:00:00Z',
    },
  }) as unknown as KObject;
  const plan = planFinalizer(migrated, { reconciler: 'widgets', finalizer: true }, 'example.com/finalizer');
  assert.deepEqual(
    [plan.skip, plan.finalizing, plan.held],
    [false, true, ['example.com/finalizer', 'zeroloop.dev/widgets']],
  );
  const outcome = await sync(h.deps, { ...h.input(migrated), plan });
  assert.equal(outcome.type, 'reconciled');
  assert.equal(outcome.trace.finalized, true);
  assert.deepEqual(
    h.kube.objects.get(PRIMARY_PATH)?.metadata?.finalizers,
    ['other.io/keep'],
    'another owner’s finalizer stays',
  );
  const alive = { ...migrated.metadata };
  delete alive.deletionTimestamp;
  const fresh = planFinalizer(
    { ...migrated, metadata: { ...alive, finalizers: [] } },
    { reconciler: 'widgets', finalizer: true },
    'example.com/finalizer',
  );
  assert.deepEqual(
    [fresh.add, fresh.finalizer],
    [true, 'example.com/finalizer'],
    'a new primary gets the configured name',
  );
});
