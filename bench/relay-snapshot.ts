// Benchmark: assembling one reconcile request from the cache for a primary with 1,000 related objects.
//
// The same code the controller runs per reconcile: the Store's label index (`byLabels`) with
// `matches` re-checking each hit, `buildRequest` (sorted owned/related lists) and the JSON body the
// dispatcher signs. The store holds 10,000 Pods, 1,000 of them matching the primary's label selector.
// Writes bench/results/relay-snapshot.json. Run: npm run bench:relay-snapshot
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { matches } from '../relay/controller/related.ts';
import type { ResolvedSelector } from '../relay/controller/related.ts';
import { buildRequest } from '../relay/dispatch/snapshot.ts';
import { KObject } from '../relay/kube/object.ts';
import { Store } from '../relay/watch/store.ts';

const RELATED = 1000;
const STORE = 10_000;
const RUNS = 200;

function pod(i: number, instance: string): KObject {
  return KObject.parse({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${instance}-${i}`,
      namespace: 'bench',
      uid: crypto.randomUUID(),
      resourceVersion: String(i),
      labels: { 'app.kubernetes.io/name': 'database', 'app.kubernetes.io/instance': instance },
    },
    spec: {
      containers: [
        { name: 'mongod', image: 'percona/percona-server-mongodb:7.0', ports: [{ containerPort: 27017 }] },
      ],
    },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-11-22T00:00:00Z' }],
    },
  });
}

const store = new Store();
for (let i = 0; i < RELATED; i++) store.upsert(pod(i, 'orders'));
for (let i = 0; i < STORE - RELATED; i++) store.upsert(pod(i, `other-${String(i % 9)}`));
const selector: ResolvedSelector = {
  apiVersion: 'v1',
  kind: 'Pod',
  namespace: 'bench',
  name: undefined,
  matchLabels: { 'app.kubernetes.io/instance': 'orders' },
};
const primary = KObject.parse({
  apiVersion: 'examples.zeroloop.dev/v1alpha1',
  kind: 'Database',
  metadata: { name: 'orders', namespace: 'bench', uid: 'u' },
  spec: { members: 3 },
});

const samples: number[] = [];
let bytes = 0;
for (let r = 0; r < RUNS; r++) {
  const t0 = performance.now();
  const related = store
    .byLabels(selector.matchLabels, selector.namespace)
    .filter((o) => matches(selector, o));
  const body = JSON.stringify(buildRequest({ primary, owned: [], related, trigger: { type: 'primary' } }));
  samples.push(performance.now() - t0);
  bytes = body.length;
  if (related.length !== RELATED)
    throw new Error(`expected ${RELATED} related objects, got ${related.length}`);
}
const sorted = [...samples].sort((a, b) => a - b);
const at = (p: number) =>
  Math.round((sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN) * 1000) /
  1000;
const figures = {
  benchmark: 'relay-snapshot',
  date: new Date().toISOString(),
  command: 'npm run bench:relay-snapshot',
  machine: { cpus: cpus().length },
  what: `request for one primary with ${RELATED} related Pods (store of ${STORE} Pods): label index + match + buildRequest + JSON`,
  runs: RUNS,
  medianMs: at(50),
  p99Ms: at(99),
  requestKiB: Math.round(bytes / 1024),
};
writeFileSync(
  new URL('./results/relay-snapshot.json', import.meta.url),
  JSON.stringify(figures, null, 2) + '\n',
);
console.log(JSON.stringify(figures, null, 2));
