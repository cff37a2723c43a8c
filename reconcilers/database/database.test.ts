// Component tests of the database reconciler: the BUILT QuickJS component, run in Node through jco.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { before, test } from 'node:test';
import type { ReconcilerExports } from '../../src/contract/wit.ts';
import { Descriptor, type KubeObject } from '../../src/protocol/schemas.ts';
import {
  desiredOf,
  expectOk,
  loadBuilt,
  readYamlObjects,
  reconcile,
  requestFor,
} from '../../cli/testing/component.ts';

let database: ReconcilerExports;

before(async () => {
  database = await loadBuilt('database');
});

const LABELS = { 'app.kubernetes.io/name': 'database', 'app.kubernetes.io/instance': 'orders' };
const STATEFULSET: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'orders', namespace: 'shop', creationTimestamp: '2026-11-20T10:00:01Z' },
};

function db(spec: unknown, more: { status?: unknown; deleting?: boolean } = {}): KubeObject {
  return {
    apiVersion: 'examples.zeroloop.dev/v1alpha1',
    kind: 'Database',
    metadata: {
      name: 'orders',
      namespace: 'shop',
      generation: 2,
      creationTimestamp: '2026-11-20T10:00:00Z',
      ...(more.deleting
        ? { deletionTimestamp: '2026-11-21T08:00:00Z', finalizers: ['zeroloop.dev/database'] }
        : {}),
    },
    spec,
    ...(more.status === undefined ? {} : { status: more.status }),
  };
}

function pod(
  i: number,
  ready: boolean,
  more: { namespace?: string; labels?: Record<string, string>; deleting?: boolean } = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `orders-${i}`,
      namespace: more.namespace ?? 'shop',
      labels: more.labels ?? { ...LABELS, 'apps.kubernetes.io/pod-index': String(i) },
      ...(more.deleting ? { deletionTimestamp: '2026-11-20T11:00:00Z' } : {}),
    },
    status: {
      conditions: [
        { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: `2026-11-20T10:0${i}:30Z` },
      ],
    },
  };
}

const path = (obj: unknown, ...steps: (string | number)[]): unknown =>
  steps.reduce<unknown>((o, s) => (o as Record<string | number, unknown> | undefined)?.[s], obj);
const ready = (status: unknown) => path(status, 'conditions', 0);

test('database describes itself: owns StatefulSet, Service and ConfigMap, reads Pods, holds a finalizer', () => {
  const descriptor = Descriptor.parse(database.describe());
  assert.equal(descriptor.name, 'database');
  assert.deepEqual(descriptor.primary, { apiVersion: 'examples.zeroloop.dev/v1alpha1', kind: 'Database' });
  assert.deepEqual(
    descriptor.owns.map((k) => k.kind),
    ['StatefulSet', 'Service', 'ConfigMap'],
  );
  assert.deepEqual(descriptor.reads, [{ apiVersion: 'v1', kind: 'Pod' }]);
  assert.equal(descriptor.finalizer, true);
});

test('database should desire a StatefulSet, a headless Service and a ConfigMap, and watch its Pods', () => {
  const res = expectOk(reconcile(database, requestFor(db({ members: 3 }))));
  assert.deepEqual(res.desired.map((o) => `${o.kind}/${o.metadata.name}`).sort(), [
    'ConfigMap/orders-config',
    'Service/orders',
    'StatefulSet/orders',
  ]);
  const sts = desiredOf(res, 'StatefulSet', 'orders');
  assert.equal(path(sts, 'spec', 'replicas'), 3);
  assert.equal(path(sts, 'spec', 'serviceName'), 'orders');
  assert.equal(path(sts, 'spec', 'template', 'spec', 'volumes', 0, 'configMap', 'name'), 'orders-config');
  assert.equal(
    path(sts, 'spec', 'volumeClaimTemplates', 0, 'spec', 'resources', 'requests', 'storage'),
    '1Gi',
  );
  assert.equal(path(desiredOf(res, 'Service', 'orders'), 'spec', 'clusterIP'), 'None');
  assert.match(
    String(path(desiredOf(res, 'ConfigMap', 'orders-config'), 'data', 'mongod.conf')),
    /replSetName: orders/,
  );
  // The related selector must match the Pods the StatefulSet creates, or readiness is never seen.
  assert.deepEqual(res.related, [{ apiVersion: 'v1', kind: 'Pod', matchLabels: LABELS }]);
  const podLabels = path(sts, 'spec', 'template', 'metadata', 'labels') as Record<string, string>;
  for (const [k, v] of Object.entries(res.related[0]?.matchLabels ?? {})) assert.equal(podLabels[k], v);
  assert.deepEqual(path(sts, 'spec', 'selector', 'matchLabels'), podLabels);
  assert.equal(path(res.status, 'ready'), '0/3');
  assert.equal(path(ready(res.status), 'reason'), 'StatefulSetPending');
  assert.equal(res.requeueAfterMs, null, 'no polling');
});

test('database should count ready members from related Pods it does not own', () => {
  const related = [
    pod(0, true),
    pod(1, true),
    pod(2, false),
    pod(3, true, { namespace: 'elsewhere' }),
    pod(4, true, { labels: { 'app.kubernetes.io/name': 'database', 'app.kubernetes.io/instance': 'other' } }),
    pod(5, true, { deleting: true }),
  ];
  const res = expectOk(
    reconcile(database, requestFor(db({ members: 3 }), { owned: [STATEFULSET], related })),
  );
  assert.equal(path(res.status, 'members'), 3);
  assert.equal(path(res.status, 'readyMembers'), 2);
  assert.equal(path(res.status, 'ready'), '2/3');
  assert.deepEqual(ready(res.status), {
    type: 'Ready',
    status: 'False',
    reason: 'MembersNotReady',
    message: '2/3 members ready',
    observedGeneration: 2,
    lastTransitionTime: '2026-11-20T11:00:00Z',
  });
  assert.deepEqual(res.events, []);
});

test('database should become Ready when every member is, keeping the transition time afterwards', () => {
  const trigger = {
    type: 'related' as const,
    ref: { apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name: 'orders-2' },
  };
  const pods = [pod(0, true), pod(1, true), pod(2, true)];
  const res = expectOk(
    reconcile(database, requestFor(db({ members: 3 }), { owned: [STATEFULSET], related: pods, trigger })),
  );
  assert.equal(path(res.status, 'ready'), '3/3');
  assert.equal(path(ready(res.status), 'status'), 'True');
  assert.equal(
    path(ready(res.status), 'lastTransitionTime'),
    '2026-11-20T10:02:30Z',
    'when the last Pod became ready',
  );
  assert.deepEqual(res.events, [
    { type: 'Normal', reason: 'Ready', message: 'Database shop/orders is ready: 3/3 members ready' },
  ]);
  const again = expectOk(
    reconcile(
      database,
      requestFor(db({ members: 3 }, { status: res.status }), { owned: [STATEFULSET], related: pods }),
    ),
  );
  assert.deepEqual(again.status, res.status);
  assert.deepEqual(again.events, []);
});

test('database should say on its Ready condition that the last write failed, with the step and the message, and still desire the same', () => {
  const pods = [pod(0, true), pod(1, true), pod(2, true)];
  const more = { owned: [STATEFULSET], related: pods };
  const ok = expectOk(reconcile(database, requestFor(db({ members: 3 }), more)));
  const message = 'admission webhook "quota.example.com" denied the request: storage quota exceeded';
  const failed = expectOk(
    reconcile(
      database,
      requestFor(db({ members: 3 }), { ...more, lastWrite: { state: 'failed', step: 'apply', message } }),
    ),
  );
  assert.deepEqual(
    [path(ready(failed.status), 'status'), path(ready(failed.status), 'reason')],
    ['False', 'WriteFailed'],
  );
  assert.equal(
    path(ready(failed.status), 'message'),
    `the relay's apply of the desired state failed: ${message}`,
  );
  assert.deepEqual(failed.desired, ok.desired, 'the same desired state, to be applied again');
  assert.deepEqual(failed.events, [], 'no Ready event; the relay records its own Warning');
  const applied = expectOk(
    reconcile(
      database,
      requestFor(db({ members: 3 }, { status: failed.status }), { ...more, lastWrite: { state: 'applied' } }),
    ),
  );
  assert.equal(path(ready(applied.status), 'reason'), 'AllMembersReady', 'a write that applied clears it');
});

test('database should tear down in order: empty desired, finalized only once its StatefulSet is gone', () => {
  const deleting = db({ members: 3 }, { deleting: true });
  const waiting = expectOk(
    reconcile(
      database,
      requestFor(deleting, { owned: [STATEFULSET], related: [pod(0, true)], finalizing: true }),
    ),
  );
  assert.deepEqual(waiting.desired, []);
  assert.equal(waiting.finalized, false);
  assert.equal(path(ready(waiting.status), 'reason'), 'Terminating');
  assert.equal(
    path(ready(waiting.status), 'lastTransitionTime'),
    '2026-11-21T08:00:00Z',
    'the deletion time',
  );
  assert.deepEqual(
    waiting.events.map((e) => e.reason),
    ['Terminating'],
  );
  // Still waiting, status already says so: no repeated event.
  const stillWaiting = expectOk(
    reconcile(
      database,
      requestFor(db({ members: 3 }, { deleting: true, status: waiting.status }), {
        owned: [STATEFULSET, { ...STATEFULSET, kind: 'ConfigMap', metadata: { name: 'orders-config' } }],
        finalizing: true,
      }),
    ),
  );
  assert.equal(stillWaiting.finalized, false);
  assert.deepEqual(stillWaiting.events, []);
  // The Service and ConfigMap may linger; the StatefulSet is what matters.
  const done = expectOk(
    reconcile(
      database,
      requestFor(db({ members: 3 }, { deleting: true, status: waiting.status }), {
        owned: [{ ...STATEFULSET, apiVersion: 'v1', kind: 'Service' }],
        finalizing: true,
      }),
    ),
  );
  assert.deepEqual(done.desired, []);
  assert.equal(done.finalized, true);
  assert.deepEqual(
    done.events.map((e) => e.reason),
    ['Finalized'],
  );
});

test('database should finalize even when its spec is invalid, so a bad object can still be deleted', () => {
  const res = expectOk(
    reconcile(database, requestFor(db({ members: 'three' }, { deleting: true }), { finalizing: true })),
  );
  assert.equal(res.finalized, true);
});

test('database should answer bad input with a wit err, not a trap, and stay usable', () => {
  const cases: [unknown, RegExp][] = [
    [{}, /^Database shop\/orders: invalid spec: spec\.members is required \(an integer between 1 and 7\)/],
    [{ members: 0 }, /spec\.members must be an integer between 1 and 7, got 0/],
    [{ members: 8 }, /spec\.members must be an integer between 1 and 7, got 8/],
    [{ members: '3' }, /spec\.members must be an integer between 1 and 7, got "3"/],
    [{ members: 2.5 }, /spec\.members must be an integer between 1 and 7, got 2\.5/],
    [{ members: 3, storage: 'lots' }, /spec\.storage must match/],
    [{ members: 3, image: ['x'] }, /spec\.image must be a string, got an array/],
    ['members: 3', /spec must be an object, got "members: 3"/],
  ];
  for (const [spec, message] of cases) {
    const outcome = reconcile(database, requestFor(db(spec)));
    assert.ok(outcome.err !== undefined, `expected err for ${JSON.stringify(spec)}`);
    assert.match(outcome.err, message);
  }
  const badPod = reconcile(database, {
    ...requestFor(db({ members: 1 })),
    related: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } }],
  });
  assert.ok(badPod.ok, 'a Pod without status is simply not ready');
  assert.equal(path(badPod.ok.status, 'readyMembers'), 0);
  assert.throws(
    () =>
      database.reconcile({
        primary: JSON.stringify(db({ members: 1 })),
        owned: ['[1,2]'],
        related: [],
        trigger: { tag: 'primary' },
        finalizing: false,
        config: undefined,
        lastWrite: { tag: 'unknown' },
      }),
    (error: unknown) => (error as { payload?: unknown }).payload === 'request.owned[0] must be a JSON object',
  );
  assert.ok(reconcile(database, requestFor(db({ members: 1 }))).ok, 'the instance is still usable');
});

test('database samples reconcile, and the CRD defaults agree with the reconciler', async () => {
  const dir = new URL('./samples/', import.meta.url);
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.yaml'))) {
    for (const sample of await readYamlObjects(new URL(file, dir))) {
      const outcome = reconcile(database, requestFor(sample));
      assert.ok(outcome.ok, `${file}: ${outcome.err ?? ''}`);
    }
  }
  const [crd] = await readYamlObjects(new URL('./crd.yaml', import.meta.url));
  const props = path(
    crd,
    'spec',
    'versions',
    0,
    'schema',
    'openAPIV3Schema',
    'properties',
    'spec',
    'properties',
  );
  const sts = desiredOf(
    expectOk(reconcile(database, requestFor(db({ members: 1 })))),
    'StatefulSet',
    'orders',
  );
  assert.equal(
    path(sts, 'spec', 'template', 'spec', 'containers', 0, 'image'),
    path(props, 'image', 'default'),
  );
  assert.equal(
    path(sts, 'spec', 'volumeClaimTemplates', 0, 'spec', 'resources', 'requests', 'storage'),
    path(props, 'storage', 'default'),
  );
  assert.equal(path(props, 'members', 'minimum'), 1);
  assert.equal(path(props, 'members', 'maximum'), 7);
});
