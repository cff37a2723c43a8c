// Benchmark: the worker in workerd (programmatic Miniflare, dispatchFetch; not `wrangler dev`) per reconciler.
//
// It builds the production bundle (`wrangler deploy --dry-run`), then for each target (`website`,
// `database`, and `/healthz` as the no-op baseline):
// - cold: COLD_RUNS fresh workerd processes, each timing its FIRST request (isolate start, component
//   instantiation, the call);
// - warm: one workerd, WARMUP requests, then WARM requests one after another; p50/p99 of the HTTP
//   round trip through dispatchFetch, and of the in-worker reconcile time taken from the worker's log.
// A reconcile request is realistic: a primary, 10 owned and 20 related objects (~17 KB JSON), signed.
// Writes bench/results/worker.json. Run: npm run bench:worker
import { availableParallelism, cpus, loadavg } from 'node:os';
import { mkdir, writeFile } from 'node:fs/promises';
import type { ReconcileRequest } from '../src/protocol/schemas.ts';
import { buildBundle, bundleSize } from '../worker/testing/bundle.ts';
import { startBundle } from '../worker/testing/miniflare.ts';
import { databaseRequest, websiteRequest } from '../worker/testing/realistic.ts';
import { signedGet, signedPost } from '../worker/testing/requests.ts';

const LOAD_AT_START = loadavg().map((l) => Math.round(l * 100) / 100);
const COLD_RUNS = 5;
const WARMUP = 50;
const WARM = 1_000;
const RESULTS = new URL('./results/worker.json', import.meta.url);
const ORIGIN = 'http://worker.local';

interface Target {
  name: string;
  path: string;
  /** A fresh init per call: the worker refuses a signed request it has already accepted. */
  init: () => Promise<{ method: string; body?: string; headers?: Record<string, string> }>;
  requestBytes: number;
}

function reconcileTarget(name: string, request: ReconcileRequest): Target {
  const path = `/v1/reconcilers/${name}/reconcile`;
  return {
    name,
    path,
    init: () => signedPost(path, request),
    requestBytes: Buffer.byteLength(JSON.stringify(request)),
  };
}

const targets: Target[] = [
  { name: 'healthz', path: '/healthz', init: () => Promise.resolve({ method: 'GET' }), requestBytes: 0 },
  reconcileTarget('website', websiteRequest()),
  reconcileTarget('database', databaseRequest()),
];

const round = (ms: number) => Math.round(ms * 1000) / 1000;

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return round(sorted[index] ?? NaN);
}

function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  return {
    n: samples.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean: round(mean),
    min: round(sorted[0] ?? NaN),
    max: round(sorted.at(-1) ?? NaN),
  };
}

function progress(event: string, fields: Record<string, unknown>): void {
  console.error(JSON.stringify({ time: new Date().toISOString(), event, ...fields }));
}

/** One timed request; fails the benchmark on a non-2xx answer. */
async function timed(worker: Awaited<ReturnType<typeof startBundle>>, target: Target): Promise<number> {
  const init = await target.init();
  const started = performance.now();
  const response = await worker.miniflare.dispatchFetch(ORIGIN + target.path, init);
  const body = await response.arrayBuffer();
  const ms = performance.now() - started;
  if (!response.ok)
    throw new Error(`${target.name}: HTTP ${response.status} ${new TextDecoder().decode(body)}`);
  return ms;
}

function loggedReconcileMs(lines: Record<string, unknown>[]): number[] {
  return lines.flatMap((l) =>
    l.msg === 'request' && typeof l.reconcileMs === 'number' ? [l.reconcileMs] : [],
  );
}

async function cold(target: Target) {
  const firstRequestMs: number[] = [];
  const startupMs: number[] = [];
  const instantiateMs: number[] = [];
  const firstReconcileMs: number[] = [];
  for (let run = 0; run < COLD_RUNS; run++) {
    const started = performance.now();
    const worker = await startBundle();
    startupMs.push(performance.now() - started);
    try {
      firstRequestMs.push(await timed(worker, target));
      for (const line of worker.lines) if (line.msg === 'instantiate') instantiateMs.push(Number(line.ms));
      firstReconcileMs.push(...loggedReconcileMs(worker.lines));
    } finally {
      await worker.miniflare.dispose();
    }
  }
  return {
    firstRequestMs: summary(firstRequestMs),
    runsMs: firstRequestMs.map(round),
    workerdStartupMs: summary(startupMs),
    // Parts of the first request, as the worker logged them (1 ms resolution in local workerd).
    ...(instantiateMs.length > 0 && { componentInstantiateMs: summary(instantiateMs) }),
    ...(firstReconcileMs.length > 0 && { firstReconcileCallMs: summary(firstReconcileMs) }),
  };
}

async function warm(target: Target) {
  const worker = await startBundle();
  try {
    for (let i = 0; i < WARMUP; i++) await timed(worker, target);
    worker.lines.length = 0;
    const samples: number[] = [];
    for (let i = 0; i < WARM; i++) samples.push(await timed(worker, target));
    const inWorker = loggedReconcileMs(worker.lines);
    return {
      httpMs: summary(samples),
      ...(inWorker.length > 0 && { inWorkerReconcileMs: summary(inWorker) }),
    };
  } finally {
    await worker.miniflare.dispose();
  }
}

progress('bundle.start', {});
await buildBundle();
const bundle = await bundleSize();
progress('bundle.done', bundle);
// Sanity: the signed GET works against this bundle before anything is timed.
{
  const worker = await startBundle();
  const response = await worker.miniflare.dispatchFetch(
    `${ORIGIN}/v1/reconcilers`,
    (await signedGet()) as never,
  );
  await worker.miniflare.dispose();
  if (!response.ok) throw new Error(`GET /v1/reconcilers: HTTP ${response.status}`);
}

const results: Record<string, unknown> = {};
for (const target of targets) {
  progress('cold.start', { target: target.name, runs: COLD_RUNS });
  const coldFigures = await cold(target);
  progress('warm.start', { target: target.name, warmup: WARMUP, requests: WARM });
  const warmFigures = await warm(target);
  results[target.name] = { requestBytes: target.requestBytes, cold: coldFigures, warm: warmFigures };
  progress('target.done', {
    target: target.name,
    cold: coldFigures.firstRequestMs,
    warm: warmFigures.httpMs,
  });
}

const report = {
  benchmark: 'worker',
  method:
    'Miniflare dispatchFetch into workerd, production bundle from `wrangler deploy --dry-run`, sequential requests',
  date: new Date().toISOString(),
  machine: {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    // Other work on the machine skews p99: record how busy it was.
    loadAverageAtStart: LOAD_AT_START,
    loadAverageAtEnd: loadavg().map(round),
  },
  settings: {
    coldRuns: COLD_RUNS,
    warmup: WARMUP,
    warmRequests: WARM,
    request: 'primary + 10 owned + 20 related',
  },
  bundle,
  targets: results,
};
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(RESULTS, JSON.stringify(report, null, 2) + '\n');

console.log(
  '| target | request | cold first request p50 (ms) | warm p50 (ms) | warm p99 (ms) | in-worker reconcile p50/p99 (ms) |',
);
console.log('|---|---|---|---|---|---|');
for (const [name, figures] of Object.entries(results) as [
  string,
  { requestBytes: number; cold: Awaited<ReturnType<typeof cold>>; warm: Awaited<ReturnType<typeof warm>> },
][]) {
  const inWorker = figures.warm.inWorkerReconcileMs;
  console.log(
    `| ${name} | ${figures.requestBytes} B | ${figures.cold.firstRequestMs.p50} | ${figures.warm.httpMs.p50} | ${figures.warm.httpMs.p99} | ${inWorker ? `${inWorker.p50} / ${inWorker.p99}` : '-'} |`,
  );
}
console.log(`wrote ${RESULTS.pathname}`);
