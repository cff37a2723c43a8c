// Benchmark: `zeroloop replay` of a recorded Website reconcile against the BUILT component in Node, no cluster or workerd.
//
// Records one reconcile of the sample Website (the request and answer of the built component), then
// times `node cli/main.ts replay <file>` end to end as an author runs it (process start, loading the
// component, the reconcile, the diff) ROUNDS times, and the in-process figures the command reports
// (component load, the reconcile call). Writes bench/results/replay.json. Run: npm run bench -- replay
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expectOk, loadBuilt, readYamlObjects, reconcile, requestFor } from '../cli/testing/component.ts';
import { builtHash } from '../reconcilers/pipeline/cache.ts';
import { recordingOf } from '../relay/record/recorder.ts';
import { percentile } from './stats.ts';
import { createLogger } from '../relay/observe/log.ts';

/** Progress and result lines, in the relay's log shape. */
const log = createLogger({}, { component: 'bench.replay' });

const ROUNDS = 10;
const RESULTS = new URL('./results/replay.json', import.meta.url);
const CLI = fileURLToPath(new URL('../cli/main.ts', import.meta.url));
const run = promisify(execFile);

const dir = await mkdtemp(join(tmpdir(), 'zeroloop-replay-bench-'));
try {
  const [hello] = await readYamlObjects(
    new URL('../reconcilers/website/samples/hello.yaml', import.meta.url),
  );
  if (!hello) throw new Error('reconcilers/website/samples/hello.yaml holds no Website');
  const request = requestFor(hello);
  const answer = expectOk(reconcile(await loadBuilt('website'), request));
  const recording = recordingOf(
    'website',
    {
      key: 'default/hello',
      trigger: { type: 'primary' },
      result: 'success',
      durationMs: 0,
      phasesMs: {},
      request,
      answer,
    },
    await builtHash('website'),
    new Date(),
  );
  const file = join(dir, 'hello.json');
  await writeFile(file, JSON.stringify(recording));

  const samples: { totalMs: number; loadMs: number; reconcileMs: number }[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const started = performance.now();
    const { stdout } = await run(process.execPath, [CLI, 'replay', file, '--json']);
    const totalMs = performance.now() - started;
    const out = JSON.parse(stdout) as { equal: boolean; timings: { loadMs: number; reconcileMs: number } };
    if (!out.equal) throw new Error('the replay differs from the recording of the same build');
    samples.push({ totalMs: Math.round(totalMs), ...out.timings });
  }
  const median = (key: keyof (typeof samples)[number]) =>
    percentile(
      samples.map((s) => s[key]),
      50,
    );
  const results = {
    benchmark: 'replay',
    what: 'zeroloop replay of one recorded Website reconcile (ms): whole command, component load, reconcile call',
    rounds: ROUNDS,
    medianMs: { total: median('totalMs'), load: median('loadMs'), reconcile: median('reconcileMs') },
    samples,
    machine: { cpus: cpus().length, loadavg: loadavg().map((l) => Math.round(l * 100) / 100) },
    time: new Date().toISOString(),
  };
  await mkdir(new URL('./results/', import.meta.url), { recursive: true });
  await writeFile(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  log.info('replay.done', { medianMs: results.medianMs, results: 'bench/results/replay.json' });
} finally {
  await rm(dir, { recursive: true, force: true });
}
