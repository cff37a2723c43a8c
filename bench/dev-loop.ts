// Benchmark: `zeroloop dev website` save → the first reconcile with the new build, for a one-line change, in a copy of the repo.
//
// Runs `zeroloop dev website` (its own local control plane, the worker in wrangler dev, the relay) in a
// temporary copy of the repository, then ROUNDS times changes one line of reconcilers/website/src/index.ts
// (the Ready condition's reason while the rollout is in progress) and measures, from the write:
// - `reconciled`: until this process sees `zeroloop dev` print that a reconcile with the new build
//   finished (`reported`: the figure that line gives, measured inside `zeroloop dev` from the file event);
// - `status`: until the sample Website's status in the apiserver carries the new reason (the new answer applied).
// Writes bench/results/dev-loop.json. Run under the control-plane lock: npm run bench -- dev-loop
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { startDevSession, until } from '../test/support/dev-session.ts';
import { percentile } from './stats.ts';

const ROUNDS = Number(process.env.DEV_LOOP_ROUNDS ?? 7);
const RESULTS = new URL('./results/dev-loop.json', import.meta.url);

const env = { ...process.env };
delete env.KUBECONFIG; // its own control plane
const dev = await startDevSession({ args: [], env, namespace: 'zeroloop-demo', echo: true });
const samples: { reconciledMs: number; reportedMs: number; statusMs: number }[] = [];
try {
  await until('the first status', () => dev.readyReason('hello'), 60_000);
  await sleep(2_000); // let the first reconciles settle
  for (let round = 1; round <= ROUNDS; round++) {
    const want = `RolloutInProgress${String(round)}`;
    const from = dev.printed;
    const started = performance.now();
    await dev.editWebsite(want);
    const seen = await dev.line(/^dev: website: save → reconciled with the new build in (\d+) ms/, from);
    const reportedMs = Number(/in (\d+) ms/.exec(seen.text)?.[1]);
    await until(
      `status reason ${want}`,
      async () => ((await dev.readyReason('hello')) === want ? true : undefined),
      30_000,
    );
    samples.push({
      reconciledMs: Math.round(seen.at - started),
      reportedMs,
      statusMs: Math.round(performance.now() - started),
    });
    console.log(JSON.stringify({ event: 'dev-loop.round', round, ...samples.at(-1) }));
    await sleep(1_000);
  }
} finally {
  await dev.stop();
}

const median = (key: keyof (typeof samples)[number]) =>
  percentile(
    samples.map((s) => s[key]),
    50,
  );
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
    status: Math.max(...samples.map((s) => s.statusMs)),
  },
  samples,
  machine: { cpus: cpus().length, loadavg: loadavg().map((l) => Math.round(l * 100) / 100) },
  time: new Date().toISOString(),
};
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
console.log(
  JSON.stringify({
    event: 'dev-loop.done',
    medianMs: results.medianMs,
    results: 'bench/results/dev-loop.json',
  }),
);
