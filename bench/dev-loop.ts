// Benchmark: `zeroloop dev website` save → the first reconcile with the new build, for a one-line change, in a copy of the repo.
//
// Runs `zeroloop dev website` (its own local control plane, the worker in wrangler dev, the relay) in a
// temporary copy of the repository, then ROUNDS times changes one line of reconcilers/website/src/index.ts
// (the Ready condition's reason while the rollout is in progress) and measures, from the write:
// - `reconciled`: until `zeroloop dev` prints that a reconcile with the new build finished (its own figure
//   and the time this process saw the line);
// - `status`: until the sample Website's status in the apiserver carries the new reason (the new answer applied).
// Writes bench/results/dev-loop.json. Run under the control-plane lock: npm run bench -- dev-loop
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Manifests, until } from '../local/kube.ts';
import { loadKubeconfigFile } from '../relay/kube/rest-config.ts';
import { copyRepo } from '../test/support/repo-copy.ts';
import { percentile } from './stats.ts';

const ROUNDS = Number(process.env.DEV_LOOP_ROUNDS ?? 7);
const RESULTS = new URL('./results/dev-loop.json', import.meta.url);
const NAMESPACE = 'zeroloop-demo';

const copy = await copyRepo({ whole: true });
const source = join(copy.root, 'reconcilers', 'website', 'src', 'index.ts');
const env = { ...process.env };
delete env.KUBECONFIG;
const child = spawn(
  process.execPath,
  [join(copy.root, 'cli', 'main.ts'), 'dev', 'website', '--log-file', join(copy.root, 'dev.log')],
  { cwd: copy.root, env, stdio: ['ignore', 'pipe', 'inherit'] },
);
const lines: { at: number; text: string }[] = [];
const waiters = new Set<() => void>();
createInterface({ input: child.stdout }).on('line', (text) => {
  lines.push({ at: performance.now(), text });
  process.stdout.write(`  | ${text}\n`);
  for (const w of waiters) w();
});

/** The first line after index `from` matching `re`, waiting up to `timeoutMs`. */
function line(
  re: RegExp,
  from: number,
  timeoutMs = 180_000,
): Promise<{ at: number; text: string; index: number }> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const index = lines.findIndex((l, i) => i >= from && re.test(l.text));
      const found = lines[index];
      if (found === undefined) return;
      waiters.delete(check);
      clearTimeout(timer);
      resolve({ ...found, index });
    };
    const timer = setTimeout(() => {
      waiters.delete(check);
      reject(new Error(`no line matching ${String(re)} within ${String(timeoutMs)} ms`));
    }, timeoutMs);
    waiters.add(check);
    check();
  });
}

const samples: { reconciledMs: number; reportedMs: number; statusMs: number }[] = [];
try {
  const kubeconfig = (/KUBECONFIG=(\S+)/.exec((await line(/export KUBECONFIG=(\S+)/, 0)).text))?.[1] ?? '';
  await line(/^dev: watching/, 0);
  const kube = new Manifests(await loadKubeconfigFile(kubeconfig), { fieldManager: 'bench' });
  const reason = async (): Promise<string | undefined> => {
    const site = await kube.get('examples.zeroloop.dev/v1alpha1', 'Website', NAMESPACE, 'hello');
    const conditions = (site?.status as { conditions?: { type: string; reason: string }[] } | undefined)
      ?.conditions;
    return conditions?.find((c) => c.type === 'Ready')?.reason;
  };
  await until('the first status', reason, 60_000);
  await new Promise((resolve) => setTimeout(resolve, 2_000)); // let the first reconciles settle
  const original = await readFile(source, 'utf8');
  if (!original.includes("'RolloutInProgress',"))
    throw new Error(`${source} no longer has the line this benchmark edits`);
  for (let round = 1; round <= ROUNDS; round++) {
    const want = `RolloutInProgress${String(round)}`;
    const from = lines.length;
    const started = performance.now();
    await writeFile(source, original.replace("'RolloutInProgress',", `'${want}',`));
    const seen = await line(/^dev: website: save → reconciled with the new build in (\d+) ms/, from);
    const reportedMs = Number(/in (\d+) ms/.exec(seen.text)?.[1]);
    await until(`status reason ${want}`, async () => ((await reason()) === want ? true : undefined), 30_000);
    const statusMs = performance.now() - started;
    samples.push({ reconciledMs: Math.round(seen.at - started), reportedMs, statusMs: Math.round(statusMs) });
    console.log(JSON.stringify({ event: 'dev-loop.round', round, ...samples.at(-1) }));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
} finally {
  child.kill('SIGINT');
  await new Promise((resolve) => child.once('exit', resolve));
  await copy.remove();
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
