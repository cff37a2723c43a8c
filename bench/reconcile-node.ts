// Benchmark: the in-Node cost of one reconcile of each BUILT example component for a realistic request.
//
// The request is the one bench:worker sends (worker/testing/realistic.ts): a primary, 10 owned and
// 20 related objects, so the two benchmarks' figures compare directly. Each reconciler gets one component instance, 50 warm-up
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
import { ReconcileResponse, type ReconcileRequest } from '../src/protocol/schemas.ts';
import { databaseRequest, websiteRequest } from '../worker/testing/realistic.ts';
import { createLogger } from '../relay/observe/log.ts';

/** Progress and result lines, in the relay's log shape. */
const log = createLogger({}, { component: 'bench.reconcile-node' });

const WARMUP = 50;
const CALLS = 1_000;
const RESULTS = new URL('./results/reconcile-node.json', import.meta.url);
const NODE_LOADER = new URL('../build/reconcilers/node.ts', import.meta.url);
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
  log.info('bench.reconciler', { ...result });
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
log.info('bench.done', { file: 'bench/results/reconcile-node.json' });
