// Benchmark: the build part of `zeroloop dev`'s save → reconcile, without a cluster: warm rebuilds of website in one process.
//
// In a copy of the repository (or the project `--root DIR`, whose pipeline is the one measured: point it at
// a checkout of an older commit to compare), builds website once to warm up, then ROUNDS times changes one line
// of its source and rebuilds it as the dev loop does (`buildReconcilers({ only: ['website'] })` in the same
// process), recording each pipeline step. Writes bench/results/dev-build.json (with --root: prints only).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger, type Logger } from '../relay/observe/log.ts';
import { copyRepo } from '../test/support/repo-copy.ts';
import { percentile } from './stats.ts';

/** Progress and result lines, in the relay's log shape. */
const progress = createLogger({}, { component: 'bench.dev-build' });
const { values } = parseArgs({ options: { root: { type: 'string' }, rounds: { type: 'string' } } });
const ROUNDS = Number(values.rounds ?? 7);
const copy = values.root === undefined ? await copyRepo() : undefined;
const root = values.root ?? copy?.root ?? '';
// The pipeline finds its project from the working directory.
process.chdir(root);

/** A pipeline's log: this tree's Logger, and a plain `(event, fields)` function for checkouts from before it took one. */
type PipelineLog = Logger & ((event: string, fields?: Record<string, unknown>) => void);
interface Pipeline {
  buildReconcilers(o: { only: string[]; log: PipelineLog }): Promise<unknown>;
}
function pipelineLog(sink: (event: string, fields: Record<string, unknown>) => void): PipelineLog {
  const log = createLogger({
    write: () => undefined,
    onRecord: (_level, msg, fields) => {
      sink(msg, fields);
    },
  });
  const call = (event: string, fields: Record<string, unknown> = {}): void => {
    sink(event, fields);
  };
  return Object.assign(call, log);
}
const pipeline = (await import(join(root, 'reconcilers/pipeline/pipeline.ts'))) as Pipeline;
const toolchain = (await import(join(root, 'reconcilers/pipeline/toolchain.ts')).catch(() => undefined)) as
  { warmToolchain(): Promise<void>; stopToolchain(): Promise<void> } | undefined;
const esbuild = (await import(join(root, 'node_modules/esbuild/lib/main.js'))) as { stop(): Promise<void> };

const source = join(root, 'reconcilers/website/src/index.ts');
const original = await readFile(source, 'utf8');
const EDITED = "'RolloutInProgress',";
if (!original.includes(EDITED)) throw new Error(`${source} no longer has the line ${EDITED} to edit`);
const build = async (reason: string): Promise<Record<string, number>> => {
  await writeFile(source, original.replace(EDITED, `'${reason}',`));
  const steps: Record<string, number> = {};
  const started = performance.now();
  await pipeline.buildReconcilers({
    only: ['website'],
    log: pipelineLog((event, fields) => {
      if (event === 'step.done' && typeof fields.step === 'string' && typeof fields.ms === 'number')
        steps[fields.step] = fields.ms;
      if (event === 'guest-types.done') steps['guest-types (ran)'] = 1;
    }),
  });
  steps.total = Math.round(performance.now() - started);
  return steps;
};

const rounds: Record<string, number>[] = [];
try {
  await toolchain?.warmToolchain();
  await build('RolloutInProgressWarm');
  for (let round = 1; round <= ROUNDS; round++) {
    rounds.push(await build(`RolloutInProgress${String(round)}`));
    progress.info('dev-build.round', { round, ...rounds.at(-1) });
  }
} finally {
  await writeFile(source, original);
  await toolchain?.stopToolchain();
  await esbuild.stop();
  await copy?.remove();
}
const keys = [...new Set(rounds.flatMap((r) => Object.keys(r)))];
const results = {
  benchmark: 'dev-build',
  what: 'zeroloop dev: warm rebuild of website after a one-line change, in one process (ms)',
  pipeline: values.root ?? 'this checkout',
  rounds: ROUNDS,
  medianMs: Object.fromEntries(
    keys.map((k) => [
      k,
      percentile(
        rounds.flatMap((r) => (r[k] === undefined ? [] : [r[k]])),
        50,
      ),
    ]),
  ),
  samples: rounds,
  machine: { cpus: cpus().length, loadavg: loadavg().map((l) => Math.round(l * 100) / 100) },
  time: new Date().toISOString(),
};
progress.info('dev-build.done', { medianMs: results.medianMs });
if (values.root === undefined) {
  const dir = new URL('./results/', import.meta.url);
  await mkdir(dir, { recursive: true });
  await writeFile(new URL('dev-build.json', dir), `${JSON.stringify(results, null, 2)}\n`);
}
