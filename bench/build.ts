// Benchmarks the reconciler build pipeline: cold and no-op build time per reconciler, step times, output sizes.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { buildReconciler } from '../reconcilers/pipeline/build.ts';
import { toolchain } from '../reconcilers/pipeline/cache.ts';
import type { LogFields } from '../reconcilers/pipeline/log.ts';
import { discover } from '../reconcilers/pipeline/manifest.ts';
import { BUILD_DIR, REPO_ROOT } from '../reconcilers/pipeline/paths.ts';
import { buildReconcilers } from '../reconcilers/pipeline/pipeline.ts';

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
await mkdir(join(BUILD_DIR, 'test-tmp'), { recursive: true });
const buildDir = await mkdtemp(join(BUILD_DIR, 'test-tmp', 'bench-'));
const loadBefore = loadavg()[0];
try {
  for (const source of await discover(REPO_ROOT)) {
    const steps: Record<string, number> = {};
    const log = (event: string, fields: LogFields = {}) => {
      if (event === 'step.done' && typeof fields.step === 'string' && typeof fields.ms === 'number') {
        steps[fields.step] = fields.ms;
      }
    };
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
      backend: source.manifest.backend,
      coldMs: Math.round(coldMs),
      noopMs: Math.round(noopMs),
      stepsMs: steps,
      componentBytes: s.componentBytes,
      workerRawBytes: s.jsBytes + s.wasmBytes,
      workerJsBytes: s.jsBytes,
      workerWasmBytes: s.wasmBytes,
      workerGzipBytes: s.gzipBytes,
      withinBudget: source.manifest.backend === 'qjs' ? s.gzipBytes <= BUDGET_GZIP_BYTES : null,
    };
    results.push(row);
    process.stderr.write(
      JSON.stringify({ event: 'bench.build', ...row, stepsMs: JSON.stringify(steps) }) + '\n',
    );
  }
} finally {
  await rm(buildDir, { recursive: true, force: true });
}

// The whole CLI path with nothing to do: guest types, discovery, hashing, registries.
// Run twice: the first run may rebuild what changed since the last build or wait for another run's lock.
const fullEvents: string[] = [];
await buildReconcilers({ log: () => undefined });
const t2 = performance.now();
await buildReconcilers({ log: (event) => fullEvents.push(event) });
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
  fullNoopPipelineMs: fullNoopMs,
};
await mkdir(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
await writeFile(join(REPO_ROOT, 'bench', 'results', 'build.json'), JSON.stringify(report, null, 2) + '\n');
process.stderr.write(
  JSON.stringify({ event: 'bench.done', file: 'bench/results/build.json', fullNoopMs }) + '\n',
);
