// Benchmark: website-go (Go) next to website (TypeScript on QuickJS): sizes, cold and warm requests in workerd, build times.
//
// - component size, and the worker modules (JS + core wasm) of a production bundle with only that
//   reconciler, raw and gzip (`wrangler deploy --dry-run`, worker/testing/bundle-sizes.ts);
// - cold: COLD_RUNS fresh workerd processes (Miniflare dispatchFetch), each timing its FIRST request,
//   with the worker's own log of the component instantiation;
// - warm: the HTTP round trip (WARM sequential requests after WARMUP) and, inside workerd, the cost
//   of each part of one reconcile (worker/testing/cost.ts; `componentCall` is the component alone);
//   for a ~2 KB and a ~17 KB request;
// - build: cold (a fresh build dir; for Go also an empty GOCACHE, so the standard library is compiled
//   for wasip1 too), incremental (Go: after an edit to main.go, with the go command's cache warm;
//   TypeScript: a forced rebuild, since every step reruns on any edit) and no-op (inputs unchanged).
// Writes bench/results/go.json and go.md. Run: npm run bench -- go
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { buildReconciler } from '../reconcilers/pipeline/build.ts';
import { discover, type ReconcilerSource } from '../reconcilers/pipeline/manifest.ts';
import { BUILD_DIR, TOOLKIT_ROOT, SDK_GO_DIR } from '../reconcilers/pipeline/paths.ts';
import type { ReconcileRequest } from '../src/protocol/schemas.ts';
import { buildBundle, ROOT } from '../worker/testing/bundle.ts';
import { builtEntry, measureVariant } from '../worker/testing/bundle-sizes.ts';
import type { Phase, PhaseCost } from '../worker/testing/cost.ts';
import { startBundle, type BundleWorker } from '../worker/testing/miniflare.ts';
import { websiteRequest } from '../worker/testing/realistic.ts';
import { signedPost } from '../worker/testing/requests.ts';
import { smallWebsiteRequest } from '../worker/testing/small.ts';
import { percentile } from './stats.ts';
import { forWebsiteGo } from '../worker/testing/website-go.ts';
import { silentLogger, stderrLogger } from '../relay/observe/log.ts';

const LOAD_AT_START = loadavg().map((l) => Math.round(l * 100) / 100);
const COLD_RUNS = 7;
const WARMUP = 50;
const WARM = 1_000;
const ORIGIN = 'http://worker.local';
const COST_DIR = join(ROOT, 'build', 'worker-cost-dist');
const COST_CONFIG = join(ROOT, 'worker', 'testing', 'cost.wrangler.toml');
const RESULTS = new URL('./results/go.json', import.meta.url);
const RESULTS_MD = new URL('./results/go.md', import.meta.url);
const LANGUAGES = [
  { language: 'typescript', reconciler: 'website' },
  { language: 'go', reconciler: 'website-go' },
] as const;

const round = (ms: number) => Math.round(ms * 1000) / 1000;
const stats = (samples: number[]) => ({
  n: samples.length,
  p50: round(percentile(samples, 50)),
  p99: round(percentile(samples, 99)),
  min: round(Math.min(...samples)),
  max: round(Math.max(...samples)),
});
const progress = stderrLogger('bench.go');

const REQUESTS = { '2kb': smallWebsiteRequest(), '17kb': websiteRequest() } as const;
type Size = keyof typeof REQUESTS;
const requestFor = (reconciler: string, size: Size) =>
  reconciler === 'website-go' ? forWebsiteGo(REQUESTS[size]) : REQUESTS[size];

async function timed(worker: BundleWorker, reconciler: string, request: ReconcileRequest): Promise<number> {
  const path = `/v1/reconcilers/${reconciler}/reconcile`;
  const init = await signedPost(path, request);
  const started = performance.now();
  const response = await worker.miniflare.dispatchFetch(ORIGIN + path, init);
  const body = await response.arrayBuffer();
  const ms = performance.now() - started;
  if (!response.ok)
    throw new Error(`${reconciler}: HTTP ${response.status} ${new TextDecoder().decode(body)}`);
  return ms;
}

/** The first request of a fresh workerd; with the worker's log of its parts (1 ms clock). */
async function cold(reconciler: string) {
  const firstRequestMs: number[] = [];
  const instantiateMs: number[] = [];
  const callMs: number[] = [];
  for (let run = 0; run < COLD_RUNS; run++) {
    const worker = await startBundle();
    try {
      firstRequestMs.push(await timed(worker, reconciler, requestFor(reconciler, '2kb')));
      for (const line of worker.lines) {
        if (line.msg === 'instantiate') instantiateMs.push(Number(line.ms));
        if (line.msg === 'request' && typeof line.reconcileMs === 'number') callMs.push(line.reconcileMs);
      }
    } finally {
      await worker.miniflare.dispose();
    }
  }
  return {
    firstRequestMs: stats(firstRequestMs),
    componentInstantiateMs: stats(instantiateMs),
    firstReconcileCallMs: stats(callMs),
  };
}

/** The first request of a fresh workerd to /healthz: what any first request costs, no component involved. */
async function coldBaseline() {
  const samples: number[] = [];
  for (let run = 0; run < COLD_RUNS; run++) {
    const worker = await startBundle();
    try {
      const started = performance.now();
      const response = await worker.miniflare.dispatchFetch(`${ORIGIN}/healthz`);
      await response.arrayBuffer();
      samples.push(performance.now() - started);
    } finally {
      await worker.miniflare.dispose();
    }
  }
  return stats(samples);
}

async function warmHttp(reconciler: string, size: Size) {
  const worker = await startBundle();
  try {
    const request = requestFor(reconciler, size);
    for (let i = 0; i < WARMUP; i++) await timed(worker, reconciler, request);
    const samples: number[] = [];
    for (let i = 0; i < WARM; i++) samples.push(await timed(worker, reconciler, request));
    return stats(samples);
  } finally {
    await worker.miniflare.dispose();
  }
}

async function inWorkerCost(): Promise<Record<string, Record<Phase, PhaseCost>>> {
  await buildBundle(COST_DIR, COST_CONFIG);
  const worker = await startBundle(COST_DIR);
  const out: Record<string, Record<Phase, PhaseCost>> = {};
  try {
    for (const { reconciler } of LANGUAGES) {
      for (const size of Object.keys(REQUESTS) as Size[]) {
        progress.info('cost.start', { reconciler, size });
        const response = await worker.miniflare.dispatchFetch(
          `${ORIGIN}/cost/${reconciler}?batches=100&batchMs=20`,
          { method: 'POST', body: JSON.stringify(requestFor(reconciler, size)) },
        );
        const text = await response.text();
        if (!response.ok) throw new Error(`cost ${reconciler} ${size}: HTTP ${response.status} ${text}`);
        out[`${reconciler} ${size}`] = JSON.parse(text) as Record<Phase, PhaseCost>;
      }
    }
  } finally {
    await worker.miniflare.dispose();
  }
  return out;
}

/** Build times in a throwaway build dir: cold, incremental, no-op. */
async function buildTimes(source: ReconcilerSource) {
  await mkdir(join(BUILD_DIR, 'test-tmp'), { recursive: true });
  const tmp = await mkdtemp(join(BUILD_DIR, 'test-tmp', 'bench-go-'));
  const log = silentLogger;
  const savedCache = process.env.GOCACHE;
  try {
    let target = source;
    if (source.manifest.language === 'go') {
      // A copy, so that the incremental build can edit main.go; its go.mod points at the real SDK.
      const dir = join(tmp, 'src', source.manifest.name);
      await cp(source.dir, dir, { recursive: true });
      const goMod = await readFile(join(dir, 'go.mod'), 'utf8');
      await writeFile(join(dir, 'go.mod'), goMod.replace(/=> \S+/, `=> ${SDK_GO_DIR}`));
      target = { ...source, dir, entry: join(dir, 'main.go') };
      process.env.GOCACHE = join(tmp, 'gocache');
    }
    const buildDir = join(tmp, 'build');
    const t0 = performance.now();
    await buildReconciler(target, { log, buildDir, force: true });
    const coldMs = performance.now() - t0;
    if (savedCache === undefined) delete process.env.GOCACHE;
    else process.env.GOCACHE = savedCache;
    if (target.manifest.language === 'go') {
      // Warm the real go cache for this copy, then time an edit.
      await buildReconciler(target, { log, buildDir, force: true });
      await writeFile(
        target.entry,
        `${await readFile(target.entry, 'utf8')}\nvar benchEdit = ${Date.now()}\n`,
      );
    }
    const t1 = performance.now();
    const incremental = await buildReconciler(target, {
      log,
      buildDir,
      force: target.manifest.language !== 'go',
    });
    const incrementalMs = performance.now() - t1;
    if (incremental.skipped) throw new Error(`${source.manifest.name}: the incremental build was skipped`);
    const t2 = performance.now();
    const noop = await buildReconciler(target, { log, buildDir });
    const noopMs = performance.now() - t2;
    if (!noop.skipped) throw new Error(`${source.manifest.name}: the no-op build was not skipped`);
    return {
      coldMs: Math.round(coldMs),
      incrementalMs: Math.round(incrementalMs),
      noopMs: Math.round(noopMs),
    };
  } finally {
    if (savedCache === undefined) delete process.env.GOCACHE;
    else process.env.GOCACHE = savedCache;
    await rm(tmp, { recursive: true, force: true });
  }
}

const sources = await discover(TOOLKIT_ROOT);
const report: Record<string, unknown> = {
  benchmark: 'go',
  date: new Date().toISOString(),
  machine: {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    loadAverageAtStart: LOAD_AT_START,
  },
  settings: { coldRuns: COLD_RUNS, warmup: WARMUP, warmRequests: WARM, coldRequest: '2kb' },
  requestBytes: Object.fromEntries(
    Object.entries(REQUESTS).map(([size, r]) => [size, Buffer.byteLength(JSON.stringify(r))]),
  ),
};
progress.info('bundle.start');
await buildBundle();
report.coldHealthzFirstRequestMs = await coldBaseline();
interface Row {
  language: string;
  componentBytes: number;
  coreModuleBytes: number | undefined;
  workerModules: { modules: number; rawBytes: number; gzipBytes: number };
  cold: Awaited<ReturnType<typeof cold>>;
  warmHttpMs: Record<Size, ReturnType<typeof stats>>;
  buildMs: Awaited<ReturnType<typeof buildTimes>>;
}
const rows: Record<string, Row> = {};
for (const { language, reconciler } of LANGUAGES) {
  const source = sources.find((s) => s.manifest.name === reconciler);
  if (!source) throw new Error(`no reconciler ${reconciler}`);
  const entry = await builtEntry('examples', reconciler);
  progress.info('size.start', { reconciler });
  const bundle = await measureVariant([entry]);
  progress.info('cold.start', { reconciler, runs: COLD_RUNS });
  const coldFigures = await cold(reconciler);
  progress.info('warm.start', { reconciler });
  const warm = { '2kb': await warmHttp(reconciler, '2kb'), '17kb': await warmHttp(reconciler, '17kb') };
  progress.info('build.start', { reconciler });
  const build = await buildTimes(source);
  rows[reconciler] = {
    language,
    componentBytes: entry.record.sizes.componentBytes,
    coreModuleBytes: language === 'go' ? entry.record.sizes.bundleBytes : undefined,
    workerModules: { modules: bundle.modules, rawBytes: bundle.rawBytes, gzipBytes: bundle.gzipBytes },
    cold: coldFigures,
    warmHttpMs: warm,
    buildMs: build,
  };
  progress.info('reconciler.done', { reconciler, cold: coldFigures.firstRequestMs.p50, build });
}
const cost = await inWorkerCost();
report.reconcilers = rows;
report.inWorkerCostMs = cost;
report.loadAverageAtEnd = loadavg().map(round);
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(RESULTS, JSON.stringify(report, null, 2) + '\n');

const kb = (n: number) => `${Math.round(n / 1000)} KB`;
const md = [
  '# bench: go (website-go next to website)',
  '',
  `${String(report.date)}, ${availableParallelism()} × ${cpus()[0]?.model ?? '?'}, load ${LOAD_AT_START.join(' ')} at start. Generated by bench/go.ts.`,
  '',
  `Cold: a fresh workerd's first request; its parts as the worker logs them (1 ms clock): component instantiation and the first reconcile call. A first request to /healthz (no component) takes ${(report.coldHealthzFirstRequestMs as { p50: number }).p50} ms p50.`,
  '',
  '| | component | worker modules raw / gzip | cold first request p50 (instantiate / first call p50) | warm HTTP p50 / p99, 2 KB | 17 KB | component call p50 in workerd, 2 KB / 17 KB | whole reconcile in workerd, 2 KB / 17 KB | build cold / incremental / no-op |',
  '|---|---|---|---|---|---|---|---|---|',
];
for (const [name, r] of Object.entries(rows)) {
  const { workerModules: wm, cold: c, warmHttpMs: w, buildMs: b } = r;
  const call = (size: Size, phase: Phase) => cost[`${name} ${size}`]?.[phase].p50 ?? NaN;
  md.push(
    `| ${name} | ${kb(r.componentBytes)} | ${wm.modules} modules, ${kb(wm.rawBytes)} / ${kb(wm.gzipBytes)} | ${c.firstRequestMs.p50} ms (${c.componentInstantiateMs.p50} / ${c.firstReconcileCallMs.p50} ms) | ${w['2kb'].p50} / ${w['2kb'].p99} ms | ${w['17kb'].p50} / ${w['17kb'].p99} ms | ${call('2kb', 'componentCall')} / ${call('17kb', 'componentCall')} ms | ${call('2kb', 'whole')} / ${call('17kb', 'whole')} ms | ${(b.coldMs / 1000).toFixed(1)} / ${(b.incrementalMs / 1000).toFixed(1)} / ${(b.noopMs / 1000).toFixed(2)} s |`,
  );
}
md.push('');
await writeFile(RESULTS_MD, md.join('\n'));
console.log(md.join('\n'));
console.log(`wrote ${RESULTS.pathname} and ${RESULTS_MD.pathname}`);
