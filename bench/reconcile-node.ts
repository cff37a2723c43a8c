// Benchmark: the in-Node cost of one reconcile of each BUILT example component for a realistic request.
//
// The request holds a primary, 10 owned and 20 related objects shaped like real cluster objects
// (managedFields, status, conditions). Each reconciler gets one component instance, 50 warm-up
// calls, then 1,000 timed calls. Two costs are measured per call:
// - `call`: `reconcile(witRequest)` on the instance (lowering, guest JSON parse, reconcile, lifting);
// - `worker`: what the worker adds in process, `requestToWit` + the call + `responseFromWit` +
//   `ReconcileResponse.parse` (zod), without HTTP or signature checking.
// `small` times the call for the primary and 3 owned objects only, for scale.
// Writes bench/results/reconcile-node.json. Run: npm run bench:reconcile-node
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { requestToWit, responseFromWit, type ReconcilerExports } from '../src/contract/wit.ts';
import { ReconcileResponse, type KubeObject, type ReconcileRequest } from '../src/protocol/schemas.ts';

const WARMUP = 50;
const CALLS = 1_000;
const RESULTS = new URL('./results/reconcile-node.json', import.meta.url);
const NODE_LOADER = new URL('../build/reconcilers/node.ts', import.meta.url);
const NS = 'shop';
const T0 = Date.parse('2026-11-20T10:00:00Z');

const time = (seconds: number) => new Date(T0 + seconds * 1000).toISOString().replace('.000Z', 'Z');

function meta(name: string, labels: Record<string, string>, i: number): KubeObject['metadata'] {
  return {
    name,
    namespace: NS,
    uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    resourceVersion: String(1000 + i),
    generation: 2,
    creationTimestamp: time(i),
    labels: { ...labels, 'zeroloop.dev/owner': 'bench' },
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"spec":{}}'.padEnd(200, ' ') },
    managedFields: [
      {
        manager: 'zeroloop-relay',
        operation: 'Apply',
        apiVersion: 'v1',
        time: time(i + 5),
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:spec': {} },
      },
      {
        manager: 'kube-controller-manager',
        operation: 'Update',
        apiVersion: 'v1',
        time: time(i + 9),
        subresource: 'status',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:status': {} },
      },
    ],
  };
}

function pod(i: number, labels: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta(`member-${i}`, labels, 100 + i),
    spec: {
      containers: [
        {
          name: 'main',
          image: 'registry.example/app:1.0',
          ports: [{ containerPort: 8080 }],
          resources: { requests: { cpu: '100m', memory: '128Mi' } },
        },
      ],
      nodeName: `node-${i % 3}`,
      restartPolicy: 'Always',
    },
    status: {
      phase: 'Running',
      podIP: `10.0.0.${i}`,
      startTime: time(200 + i),
      conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({
        type,
        status: i % 5 === 4 && type !== 'PodScheduled' ? 'False' : 'True',
        lastTransitionTime: time(300 + i),
      })),
      containerStatuses: [
        {
          name: 'main',
          ready: i % 5 !== 4,
          restartCount: 0,
          image: 'registry.example/app:1.0',
          state: { running: { startedAt: time(250 + i) } },
        },
      ],
    },
  };
}

function configMap(i: number, labels: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(`extra-${i}`, labels, i),
    data: { 'config.yaml': 'key: value\n'.repeat(20) },
  };
}

function owned(
  kind: string,
  apiVersion: string,
  name: string,
  labels: Record<string, string>,
  status: object,
): KubeObject {
  return {
    apiVersion,
    kind,
    metadata: meta(name, labels, 1),
    spec: { replicas: 3, selector: { matchLabels: labels } },
    status,
  };
}

function websiteRequest(): ReconcileRequest {
  const labels = { 'app.kubernetes.io/name': 'website', 'app.kubernetes.io/instance': 'front' };
  const primary: KubeObject = {
    apiVersion: 'examples.zeroloop.dev/v1alpha1',
    kind: 'Website',
    metadata: meta('front', {}, 0),
    spec: { replicas: 3, html: '<!doctype html><h1>shop</h1>'.padEnd(1500, '.'), expose: true },
    status: {
      replicas: 3,
      readyReplicas: 3,
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'ReplicasReady',
          message: '3/3',
          lastTransitionTime: time(60),
        },
      ],
    },
  };
  const ownedObjects = [
    owned('Deployment', 'apps/v1', 'front', labels, {
      observedGeneration: 2,
      replicas: 3,
      readyReplicas: 3,
      updatedReplicas: 3,
      availableReplicas: 3,
      conditions: [
        { type: 'Available', status: 'True', lastTransitionTime: time(50), lastUpdateTime: time(55) },
      ],
    }),
    owned('Service', 'v1', 'front', labels, {}),
    ...Array.from({ length: 8 }, (_, i) => configMap(i, labels)),
  ];
  return {
    primary,
    owned: ownedObjects,
    related: Array.from({ length: 20 }, (_, i) => pod(i, labels)),
    trigger: { type: 'primary' },
    finalizing: false,
  };
}

function databaseRequest(): ReconcileRequest {
  const labels = { 'app.kubernetes.io/name': 'database', 'app.kubernetes.io/instance': 'orders' };
  const primary: KubeObject = {
    apiVersion: 'examples.zeroloop.dev/v1alpha1',
    kind: 'Database',
    metadata: meta('orders', {}, 0),
    spec: { members: 5, storage: '10Gi' },
    status: {
      members: 5,
      readyMembers: 4,
      ready: '4/5',
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'MembersNotReady',
          message: '4/5',
          lastTransitionTime: time(60),
        },
      ],
    },
  };
  const ownedObjects = [
    owned('StatefulSet', 'apps/v1', 'orders', labels, {
      observedGeneration: 2,
      replicas: 5,
      readyReplicas: 4,
      currentReplicas: 5,
    }),
    owned('Service', 'v1', 'orders', labels, {}),
    ...Array.from({ length: 8 }, (_, i) => configMap(i, labels)),
  ];
  return {
    primary,
    owned: ownedObjects,
    related: Array.from({ length: 20 }, (_, i) => pod(i, labels)),
    trigger: { type: 'related', ref: { apiVersion: 'v1', kind: 'Pod', namespace: NS, name: 'member-3' } },
    finalizing: false,
  };
}

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  const round = (ms: number) => Math.round(ms * 1000) / 1000;
  return {
    medianMs: round(at(0.5)),
    p90Ms: round(at(0.9)),
    p99Ms: round(at(0.99)),
    meanMs: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
  };
}

function measure(fn: () => void) {
  for (let i = 0; i < WARMUP; i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
  }
  return stats(samples);
}

async function benchOne(
  load: (name: string) => Promise<ReconcilerExports>,
  name: string,
  request: ReconcileRequest,
) {
  let start = performance.now();
  const instance = await load(name);
  const firstInstanceMs = performance.now() - start;
  start = performance.now();
  await load(name);
  const nextInstanceMs = performance.now() - start;
  const wit = requestToWit(request);
  // Fail loudly rather than time an err path.
  const check = ReconcileResponse.parse(responseFromWit(instance.reconcile(wit)));
  const requestBytes = JSON.stringify(request).length;
  // For scale: the same primary with only its first 3 owned objects and nothing related.
  const small = { ...request, owned: request.owned.slice(0, 3), related: [] };
  const smallWit = requestToWit(small);
  const smallCall = measure(() => {
    instance.reconcile(smallWit);
  });
  const call = measure(() => {
    instance.reconcile(wit);
  });
  const worker = measure(() => {
    ReconcileResponse.parse(responseFromWit(instance.reconcile(requestToWit(request))));
  });
  const result = {
    reconciler: name,
    request: { owned: request.owned.length, related: request.related.length, bytes: requestBytes },
    response: { desired: check.desired.length, bytes: JSON.stringify(check).length },
    instantiate: {
      firstMs: Math.round(firstInstanceMs * 10) / 10,
      nextMs: Math.round(nextInstanceMs * 10) / 10,
    },
    call,
    worker,
    small: { owned: small.owned.length, related: 0, bytes: JSON.stringify(small).length, call: smallCall },
  };
  process.stdout.write(`${JSON.stringify({ event: 'bench.reconciler', ...result })}\n`);
  return result;
}

const { loadReconciler } = (await import(NODE_LOADER.href).catch((error: unknown) => {
  throw new Error('build/reconcilers/node.ts is missing: run `npm run build:reconcilers` first', {
    cause: error,
  });
})) as { loadReconciler: (name: string) => Promise<ReconcilerExports> };

const results = [
  await benchOne(loadReconciler, 'website', websiteRequest()),
  await benchOne(loadReconciler, 'database', databaseRequest()),
];
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
const report = {
  benchmark: 'reconcile-node',
  description: 'In-Node cost of one reconcile of the built QuickJS component (jco transpile), per reconciler',
  calls: CALLS,
  warmup: WARMUP,
  node: process.version,
  cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
  // Other work on the machine inflates the figures; a 1-minute load above the core count means contention.
  loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  date: new Date().toISOString(),
  results,
};
await writeFile(RESULTS, `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(
  `${JSON.stringify({ event: 'bench.done', file: 'bench/results/reconcile-node.json' })}\n`,
);
