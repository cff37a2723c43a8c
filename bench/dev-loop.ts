// Benchmark: `zeroloop dev website` save → the first reconcile with the new build, for a one-line change, in a copy of the repo.
//
// Runs `zeroloop dev website` (its own local control plane, the worker in wrangler dev, the relay) in a
// temporary copy of the repository, then ROUNDS times changes one line of reconcilers/website/src/index.ts
// (the Ready condition's reason while the rollout is in progress) and measures, from the write:
// - `reconciled`: until this process sees `zeroloop dev` print that a reconcile with the new build
//   finished (`reported`: the figure that line gives, measured inside `zeroloop dev` from the file event);
// - `status`: until the sample Website's status in the apiserver carries the new reason (the new answer
//   applied), when the rollout is still in progress;
// - `steps`: the rebuild's pipeline steps, from `zeroloop dev`'s JSON log.
// Writes bench/results/dev-loop.json. Run under the control-plane lock: npm run bench -- dev-loop
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startDevSession, until } from '../test/support/dev-session.ts';
import { percentile } from './stats.ts';
import { createLogger } from '../relay/observe/log.ts';

/** Progress and result lines, in the relay's log shape. */
const log = createLogger({}, { component: 'bench.dev-loop' });

const ROUNDS = Number(process.env.DEV_LOOP_ROUNDS ?? 7);
const RESULTS = new URL('./results/dev-loop.json', import.meta.url);

const env = { ...process.env };
delete env.KUBECONFIG; // its own control plane
const logFile = join(await mkdtemp(join(tmpdir(), 'zeroloop-dev-loop-')), 'dev.log');
const dev = await startDevSession({
  args: ['--log-file', logFile],
  env,
  namespace: 'zeroloop-demo',
  echo: true,
});
const samples: { reconciledMs: number; reportedMs: number; statusMs?: number }[] = [];
/** Per round: the rebuild's pipeline steps (ms) from the JSON log, where the build time goes. */
const steps: Record<string, number>[] = [];

/** The website rebuild's `step.done` times logged after byte `from` of the JSON log (the `build` total too). */
async function buildSteps(from: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const line of (await readFile(logFile, 'utf8')).slice(from).split('\n')) {
    if (!line.includes('"component":"build:reconcilers"')) continue;
    const e = JSON.parse(line) as { msg: string; step?: string; ms?: number; reconciler?: string };
    if (e.msg === 'step.done' && e.step !== undefined && e.ms !== undefined) out[e.step] = e.ms;
    if (e.msg === 'reconciler.built' && e.ms !== undefined) out.build = e.ms;
  }
  return out;
}
try {
  await until('the first status', () => dev.readyReason('hello'), 60_000);
  await sleep(2_000); // let the first reconciles settle
  for (let round = 1; round <= ROUNDS; round++) {
    const want = `RolloutInProgress${String(round)}`;
    const from = dev.printed;
    const started = performance.now();
    const stepsFrom = (await readFile(logFile, 'utf8')).length;
    await dev.editWebsite(want);
    const seen = await dev.line(/^dev: website: save → reconciled with the new build in (\d+) ms/, from);
    const reportedMs = Number(/in (\d+) ms/.exec(seen.text)?.[1]);
    // The edited reason shows only while the rollout is in progress; on a plane whose fake nodes make the
    // Pods Ready at once the status says ReplicasReady instead, and only the reconcile is timed.
    const shown = await until(
      `status reason ${want}`,
      async () => ((await dev.readyReason('hello')) === want ? true : undefined),
      5_000,
    ).then(
      () => Math.round(performance.now() - started),
      () => undefined,
    );
    samples.push({
      reconciledMs: Math.round(seen.at - started),
      reportedMs,
      ...(shown !== undefined ? { statusMs: shown } : {}),
    });
    steps.push(await buildSteps(stepsFrom));
    log.info('dev-loop.round', { round, ...samples.at(-1), steps: steps.at(-1) });
    await sleep(1_000);
  }
} finally {
  await dev.stop();
}

const median = (key: keyof (typeof samples)[number]) => {
  const values = samples.flatMap((s) => (s[key] === undefined ? [] : [s[key]]));
  return values.length === 0 ? null : percentile(values, 50);
};
const results = {
  benchmark: 'dev-loop',
  what: 'zeroloop dev website: one-line change saved → first reconcile with the new build (ms)',
  rounds: ROUNDS,
  medianMs: {
    reconciled: median('reconciledMs'),
    reported: median('reportedMs'),
    status: median('statusMs'),
  },
  maxMs: {
    reconciled: Math.max(...samples.map((s) => s.reconciledMs)),
  },
  /** Median of each build step over the rounds (componentize and typecheck overlap when they run side by side). */
  medianStepMs: Object.fromEntries(
    [...new Set(steps.flatMap((r) => Object.keys(r)))].map((k) => [
      k,
      percentile(
        steps.flatMap((r) => (r[k] === undefined ? [] : [r[k]])),
        50,
      ),
    ]),
  ),
  samples,
  steps,
  machine: { cpus: cpus().length, loadavg: loadavg().map((l) => Math.round(l * 100) / 100) },
  time: new Date().toISOString(),
};
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
log.info('dev-loop.done', { medianMs: results.medianMs, results: 'bench/results/dev-loop.json' });
