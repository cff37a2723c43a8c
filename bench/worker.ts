// Benchmark: the worker in workerd (programmatic Miniflare, dispatchFetch; not `wrangler dev`) per reconciler.
//
// It builds the production bundle (`wrangler deploy --dry-run`), then for each target (`website`,
// `database`, and `/healthz` as the no-op baseline):
// - cold: COLD_RUNS fresh workerd processes, each timing its FIRST request (isolate start, component
//   instantiation, the call);
// - warm: one workerd, WARMUP requests, then WARM requests one after another; p50/p99 of the HTTP
//   round trip through dispatchFetch, and of the in-worker reconcile time taken from the worker's log.
// A reconcile request is realistic (a primary, 10 owned and 20 related objects, ~17 KB JSON) or small
// (`website-2kb`: a Website and its three owned objects, ~2 KB), signed.
// Then, in a bench-only bundle (worker/testing/cost-entry.ts), the in-worker cost of each part of one
// reconcile (parse, WIT conversion, component call, answer check, serialize), timed inside workerd.
// And the production bundle's size with 1, 2 and 3 reconcilers (website, database, faulty).
// Writes bench/results/worker.json and worker.md. Run: npm run bench:worker
import { availableParallelism, cpus, loadavg } from 'node:os';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReconcileRequest } from '../src/protocol/schemas.ts';
import { buildBundle, bundleSize, ROOT } from '../worker/testing/bundle.ts';
import { builtEntry, measureGrowth, type BundleVariant } from '../worker/testing/bundle-sizes.ts';
import { PHASES, type Phase, type PhaseCost } from '../worker/testing/cost.ts';
import { startBundle } from '../worker/testing/miniflare.ts';
import { databaseRequest, websiteRequest } from '../worker/testing/realistic.ts';
import { sampleRequest, signedGet, signedPost } from '../worker/testing/requests.ts';
import { smallWebsiteRequest } from '../worker/testing/small.ts';
import { stderrLogger } from '../relay/observe/log.ts';

const LOAD_AT_START = loadavg().map((l) => Math.round(l * 100) / 100);
const COLD_RUNS = 5;
const WARMUP = 50;
const WARM = 1_000;
const COST_BATCHES = 100;
const COST_BATCH_MS = 20;
const RESULTS = new URL('./results/worker.json', import.meta.url);
const RESULTS_MD = new URL('./results/worker.md', import.meta.url);
const COST_DIR = join(ROOT, 'build', 'worker-cost-dist');
const COST_CONFIG = join(ROOT, 'worker', 'testing', 'cost.wrangler.toml');
/**
 * The same measurement before the pipeline shared core modules (commit 7d41ea8, every reconciler
 * carrying its own copy of the QuickJS engine core), kept for comparison.
 */
const BEFORE_SHARING: readonly BundleVariant[] = [
  { reconcilers: ['website'], modules: 15, rawBytes: 2_078_377, gzipBytes: 693_965 },
  { reconcilers: ['website', 'database'], modules: 29, rawBytes: 4_015_374, gzipBytes: 1_356_510 },
  { reconcilers: ['website', 'database', 'faulty'], modules: 43, rawBytes: 5_815_025, gzipBytes: 1_966_405 },
];
const ORIGIN = 'http://worker.local';

interface Target {
  name: string;
  path: string;
  /** A fresh init per call: the worker refuses a signed request it has already accepted. */
  init: () => Promise<{ method: string; body?: string; headers?: Record<string, string> }>;
  requestBytes: number;
}

function reconcileTarget(name: string, request: ReconcileRequest, label = name): Target {
  const path = `/v1/reconcilers/${name}/reconcile`;
  return {
    name: label,
    path,
    init: () => signedPost(path, request),
    requestBytes: Buffer.byteLength(JSON.stringify(request)),
  };
}

const targets: Target[] = [
  { name: 'healthz', path: '/healthz', init: () => Promise.resolve({ method: 'GET' }), requestBytes: 0 },
  reconcileTarget('website', smallWebsiteRequest(), 'website-2kb'),
  reconcileTarget('website', websiteRequest()),
  reconcileTarget('database', databaseRequest()),
];

/** Requests whose in-worker cost is broken down; faulty `ok` ignores what it gets: the boundary's fixed cost. */
const costCases: { label: string; reconciler: string; request: ReconcileRequest }[] = [
  { label: 'website-2kb', reconciler: 'website', request: smallWebsiteRequest() },
  { label: 'website', reconciler: 'website', request: websiteRequest() },
  { label: 'database', reconciler: 'database', request: databaseRequest() },
  {
    label: 'faulty-2kb',
    reconciler: 'faulty',
    request: sampleRequest({ spec: { mode: 'ok' }, owned: smallWebsiteRequest().owned }),
  },
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

const progress = stderrLogger('bench.worker');

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

progress.info('bundle.start', {});
await buildBundle();
const bundle = await bundleSize();
progress.info('bundle.done', bundle);
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
  progress.info('cold.start', { target: target.name, runs: COLD_RUNS });
  const coldFigures = await cold(target);
  progress.info('warm.start', { target: target.name, warmup: WARMUP, requests: WARM });
  const warmFigures = await warm(target);
  results[target.name] = { requestBytes: target.requestBytes, cold: coldFigures, warm: warmFigures };
  progress.info('target.done', {
    target: target.name,
    cold: coldFigures.firstRequestMs,
    warm: warmFigures.httpMs,
  });
}

/** The in-worker cost of each case's parts, timed inside workerd by the bench-only entry. */
async function inWorkerCost(): Promise<
  Record<string, { requestBytes: number; phasesMs: Record<Phase, PhaseCost> }>
> {
  await buildBundle(COST_DIR, COST_CONFIG);
  const worker = await startBundle(COST_DIR);
  const out: Record<string, { requestBytes: number; phasesMs: Record<Phase, PhaseCost> }> = {};
  try {
    for (const c of costCases) {
      progress.info('cost.start', { case: c.label });
      const body = JSON.stringify(c.request);
      const response = await worker.miniflare.dispatchFetch(
        `${ORIGIN}/cost/${c.reconciler}?batches=${COST_BATCHES}&batchMs=${COST_BATCH_MS}`,
        { method: 'POST', body },
      );
      const text = await response.text();
      if (!response.ok) throw new Error(`cost ${c.label}: HTTP ${response.status} ${text}`);
      out[c.label] = {
        requestBytes: Buffer.byteLength(body),
        phasesMs: JSON.parse(text) as Record<Phase, PhaseCost>,
      };
    }
  } finally {
    await worker.miniflare.dispose();
  }
  return out;
}

const cost = await inWorkerCost();
progress.info('growth.start', {});
const growth = await measureGrowth([
  await builtEntry('examples', 'website'),
  await builtEntry('examples', 'database'),
  await builtEntry('fixtures', 'faulty'),
]);

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
    request: 'primary + 10 owned + 20 related; website-2kb: a Website + its Deployment, Service, ConfigMap',
    inWorkerCost: `inside workerd: ${COST_BATCHES} batches of about ${COST_BATCH_MS} ms per part; p50/p99 over the batch means (worker/testing/cost.ts)`,
  },
  bundle,
  targets: results,
  inWorkerCost: cost,
  // gzip: node:zlib default level, summed per module (worker/testing/bundle.ts bundleSize).
  bundleGrowth: growth,
  bundleGrowthBeforeSharing: BEFORE_SHARING,
};
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(RESULTS, JSON.stringify(report, null, 2) + '\n');

const md: string[] = [
  '# bench:worker',
  '',
  `${report.date}, ${report.machine.cpus} × ${report.machine.cpuModel}, load ${LOAD_AT_START.join(' ')} at start. Generated by bench/worker.ts.`,
  '',
  '## HTTP through Miniflare dispatchFetch (sequential requests)',
  '',
  '| target | request | cold first request p50 (ms) | warm p50 (ms) | warm p99 (ms) | logged component call p50/p99 (ms, 1 ms clock) |',
  '|---|---|---|---|---|---|',
];
for (const [name, figures] of Object.entries(results) as [
  string,
  { requestBytes: number; cold: Awaited<ReturnType<typeof cold>>; warm: Awaited<ReturnType<typeof warm>> },
][]) {
  const inWorker = figures.warm.inWorkerReconcileMs;
  md.push(
    `| ${name} | ${figures.requestBytes} B | ${figures.cold.firstRequestMs.p50} | ${figures.warm.httpMs.p50} | ${figures.warm.httpMs.p99} | ${inWorker ? `${inWorker.p50} / ${inWorker.p99}` : '-'} |`,
  );
}
md.push(
  '',
  `## In-worker cost of one reconcile, per part (ms, p50 / p99 over ${COST_BATCHES} batches of ~${COST_BATCH_MS} ms, inside workerd)`,
  '',
  `| case | request | ${PHASES.join(' | ')} |`,
  `|---|---|${PHASES.map(() => '---').join('|')}|`,
);
for (const [label, c] of Object.entries(cost)) {
  md.push(
    `| ${label} | ${c.requestBytes} B | ${PHASES.map((p) => `${c.phasesMs[p].p50} / ${c.phasesMs[p].p99}`).join(' | ')} |`,
  );
}
const kb = (n: number) => `${(n / 1000).toFixed(0)} KB`;
md.push(
  '',
  '## Production bundle (`wrangler deploy --dry-run`) by number of reconcilers',
  '',
  '| reconcilers | modules | raw | gzip | before sharing: modules | raw | gzip |',
  '|---|---|---|---|---|---|---|',
  ...growth.map((g, i) => {
    const b = BEFORE_SHARING[i];
    const before = b ? `${b.modules} | ${kb(b.rawBytes)} | ${kb(b.gzipBytes)}` : '- | - | -';
    return `| ${g.reconcilers.join(' + ')} | ${g.modules} | ${kb(g.rawBytes)} | ${kb(g.gzipBytes)} | ${before} |`;
  }),
  '',
);
await writeFile(RESULTS_MD, md.join('\n'));
console.log(md.join('\n'));
console.log(`wrote ${RESULTS.pathname} and ${RESULTS_MD.pathname}`);
