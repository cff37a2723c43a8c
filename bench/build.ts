// Benchmarks the reconciler build pipeline: cold and no-op build time per reconciler, step times, output sizes.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { load as loadYaml } from 'js-yaml';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { buildReconciler } from '../reconcilers/pipeline/build.ts';
import { toolchain } from '../reconcilers/pipeline/cache.ts';
import { createLogger, silentLogger, stderrLogger } from '../relay/observe/log.ts';
import { discover, type ReconcilerSource } from '../reconcilers/pipeline/manifest.ts';
import { loaderFor } from '../reconcilers/pipeline/node-loader.ts';
import type { ReconcilerExports, WitRequest } from '../src/contract/wit.ts';
import { BUILD_DIR, TOOLKIT_ROOT } from '../reconcilers/pipeline/paths.ts';
import { buildReconcilers } from '../reconcilers/pipeline/pipeline.ts';

/** Progress and result lines on stderr, in the relay's log shape. */
const progress = stderrLogger('bench.build');

const BUDGET_GZIP_BYTES = 700_000;

interface Row {
  name: string;
  group: string;
  backend: string;
  coldMs: number;
  noopMs: number;
  stepsMs: Record<string, number>;
  componentBytes: number;
  workerRawBytes: number;
  workerJsBytes: number;
  workerWasmBytes: number;
  workerGzipBytes: number;
  withinBudget: boolean | null;
}

const results: Row[] = [];

/** A TypeScript reconciler on QuickJS (Go reconcilers have no QuickJS runtime to vary). */
const isQuickJs = (source: ReconcilerSource) =>
  source.manifest.language === 'typescript' && source.manifest.backend === 'qjs';

interface RuntimeRow {
  name: string;
  optimize: 'speed' | 'size';
  componentBytes: number;
  workerGzipBytes: number;
  callMedianMs: number;
  request: string;
}
const runtimes: RuntimeRow[] = [];
const CALLS = 1000;

/** A request from the reconciler's first sample, with the objects of its own first answer as owned. */
async function sampleRequest(
  source: ReconcilerSource,
  instance: ReconcilerExports,
): Promise<WitRequest | undefined> {
  const dir = join(source.dir, 'samples');
  const files = (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.yaml')).sort();
  const first = files[0];
  if (first === undefined) return undefined;
  const sample = loadYaml(await readFile(join(dir, first), 'utf8')) as { metadata: Record<string, unknown> };
  sample.metadata.namespace ??= 'default';
  const base: WitRequest = {
    primary: JSON.stringify(sample),
    owned: [],
    related: [],
    trigger: { tag: 'primary' },
    finalizing: false,
    config: undefined,
    lastWrite: { tag: 'unknown' },
  };
  return { ...base, owned: instance.reconcile(base).desired };
}

function medianMs(instance: ReconcilerExports, request: WitRequest): number {
  for (let i = 0; i < 50; i++) instance.reconcile(request);
  const times: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const t = performance.now();
    instance.reconcile(request);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return Number((times[CALLS / 2] ?? 0).toFixed(3));
}
await mkdir(join(BUILD_DIR, 'test-tmp'), { recursive: true });
const buildDir = await mkdtemp(join(BUILD_DIR, 'test-tmp', 'bench-'));
const loadBefore = loadavg()[0];
try {
  for (const source of await discover(TOOLKIT_ROOT)) {
    const steps: Record<string, number> = {};
    const log = createLogger({
      write: () => undefined,
      onRecord: (_level, msg, fields) => {
        if (msg === 'step.done' && typeof fields.step === 'string' && typeof fields.ms === 'number') {
          steps[fields.step] = fields.ms;
        }
      },
    });
    const t0 = performance.now();
    const cold = await buildReconciler(source, { log, buildDir, force: true });
    const coldMs = performance.now() - t0;
    const t1 = performance.now();
    const again = await buildReconciler(source, { log, buildDir });
    const noopMs = performance.now() - t1;
    if (!again.skipped) throw new Error(`${source.manifest.name}: an unchanged rebuild was not skipped`);
    const s = cold.record.sizes;
    const row: Row = {
      name: source.manifest.name,
      group: source.group,
      backend: source.manifest.language === 'go' ? 'go' : source.manifest.backend,
      coldMs: Math.round(coldMs),
      noopMs: Math.round(noopMs),
      stepsMs: steps,
      componentBytes: s.componentBytes,
      workerRawBytes: s.jsBytes + s.wasmBytes,
      workerJsBytes: s.jsBytes,
      workerWasmBytes: s.wasmBytes,
      workerGzipBytes: s.gzipBytes,
      withinBudget: isQuickJs(source) ? s.gzipBytes <= BUDGET_GZIP_BYTES : null,
    };
    results.push(row);

    if (isQuickJs(source)) {
      // The same reconciler with componentize-qjs' size-optimized runtime, for the speed/size trade.
      const sizeDir = join(buildDir, 'size');
      const small = await buildReconciler(
        { ...source, manifest: { ...source.manifest, optimize: 'size' } },
        { log: silentLogger, buildDir: sizeDir, force: true },
      );
      const speedInstance = await loaderFor(
        [{ group: source.group, record: cold.record }],
        buildDir,
      )(row.name);
      const sizeInstance = await loaderFor(
        [{ group: source.group, record: small.record }],
        sizeDir,
      )(row.name);
      const request = await sampleRequest(source, speedInstance);
      if (request) {
        const what = `first sample, ${request.owned.length} owned (its own answer), ${request.primary.length + request.owned.join('').length} bytes`;
        for (const [optimize, record, instance] of [
          ['speed', cold.record, speedInstance],
          ['size', small.record, sizeInstance],
        ] as const) {
          runtimes.push({
            name: row.name,
            optimize,
            componentBytes: record.sizes.componentBytes,
            workerGzipBytes: record.sizes.gzipBytes,
            callMedianMs: medianMs(instance, request),
            request: what,
          });
        }
      }
    }
    progress.info('bench.build', { ...row, stepsMs: JSON.stringify(steps) });
  }
} finally {
  await rm(buildDir, { recursive: true, force: true });
}

// The whole CLI path with nothing to do: guest types, discovery, hashing, registries.
// Run twice: the first run may rebuild what changed since the last build or wait for another run's lock.
const fullEvents: string[] = [];
await buildReconcilers({ log: silentLogger });
const t2 = performance.now();
await buildReconcilers({
  log: createLogger({ write: () => undefined, onRecord: (_level, msg) => fullEvents.push(msg) }),
});
const fullNoopMs = Math.round(performance.now() - t2);
if (fullEvents.includes('reconciler.built') || fullEvents.includes('lock.wait')) {
  throw new Error(`the no-op pipeline run was not a no-op: ${fullEvents.join(' ')}`);
}

const report = {
  date: new Date().toISOString(),
  command: 'node bench/build.ts',
  machine: {
    cores: availableParallelism(),
    loadAverage1mBefore: loadBefore,
    loadAverage1mAfter: loadavg()[0],
  },
  toolchain: toolchain(),
  budgetGzipBytesPerQuickJsReconciler: BUDGET_GZIP_BYTES,
  gzip: 'node:zlib gzip level 9, summed per file over <name>.js and every .wasm the registry imports',
  reconcilers: results,
  quickJsRuntimes: { calls: CALLS, warmup: 50, rows: runtimes },
  fullNoopPipelineMs: fullNoopMs,
};
await mkdir(join(TOOLKIT_ROOT, 'bench', 'results'), { recursive: true });
await writeFile(join(TOOLKIT_ROOT, 'bench', 'results', 'build.json'), JSON.stringify(report, null, 2) + '\n');
progress.info('bench.done', { file: 'bench/results/build.json', fullNoopMs });
