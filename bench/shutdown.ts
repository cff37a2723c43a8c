// Benchmark: how long Ctrl-C of `npm start` and of `zeroloop dev website` takes to finish, and where the time goes.
//
// In a copy of the repository, ROUNDS times each: start it with its own local control plane, wait until it
// prints its reconcile header and the first reconciles settle, send SIGINT (what the terminal sends on
// Ctrl-C) and time until the process exits; each part's stop time comes from its `stop.done` log lines.
// Writes bench/results/shutdown.json. Run under the control-plane lock: node bench/shutdown.ts
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { copyRepo } from '../test/support/repo-copy.ts';
import { percentile } from './stats.ts';
import { MSG_STOP_DONE } from '../local/session.ts';
import { createLogger } from '../relay/observe/log.ts';

/** Progress and result lines, in the relay's log shape. */
const log = createLogger({}, { component: 'bench.shutdown' });

const ROUNDS = Number(process.env.SHUTDOWN_ROUNDS ?? 3);
const RESULTS = new URL('./results/shutdown.json', import.meta.url);

interface Round {
  exitMs: number;
  stops: Record<string, number>;
}

async function once(root: string, args: readonly string[], round: number): Promise<Round> {
  const logFile = join(root, `shutdown-${String(round)}.log`);
  const env = { ...process.env };
  delete env.KUBECONFIG; // its own control plane
  const child = spawn(process.execPath, [...args, '--log-file', logFile], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${args.join(' ')} did not start within 300 s`));
    }, 300_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('Reconciles (time')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => {
      reject(new Error(`${args.join(' ')} exited during start`));
    });
  });
  await sleep(5_000); // the first reconciles settle
  const started = performance.now();
  child.kill('SIGINT');
  await exited;
  const exitMs = Math.round(performance.now() - started);
  const stops: Record<string, number> = {};
  for (const line of (await readFile(logFile, 'utf8')).split('\n')) {
    if (!line.includes(`"${MSG_STOP_DONE}"`)) continue;
    const parsed = JSON.parse(line) as { msg: string; what: string; ms: number };
    if (parsed.msg === MSG_STOP_DONE) stops[parsed.what] = parsed.ms;
  }
  log.info('shutdown.round', { command: args.join(' '), round, exitMs, stops });
  return { exitMs, stops };
}

const copy = await copyRepo();
const commands = {
  'npm start': ['local/start.ts'],
  'zeroloop dev website': ['cli/main.ts', 'dev', 'website'],
} as const;
const results: Record<string, { medianExitMs: number; maxExitMs: number; rounds: Round[] }> = {};
try {
  for (const [name, args] of Object.entries(commands)) {
    const rounds: Round[] = [];
    for (let r = 1; r <= ROUNDS; r++) rounds.push(await once(copy.root, args, r));
    results[name] = {
      medianExitMs: percentile(
        rounds.map((x) => x.exitMs),
        50,
      ),
      maxExitMs: Math.max(...rounds.map((x) => x.exitMs)),
      rounds,
    };
  }
} finally {
  await copy.remove();
}
const out = {
  benchmark: 'shutdown',
  what: 'SIGINT (Ctrl-C) → process exit, with its own local control plane (ms)',
  results,
  machine: { cpus: cpus().length, loadavg: loadavg().map((l) => Math.round(l * 100) / 100) },
  time: new Date().toISOString(),
};
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(RESULTS, `${JSON.stringify(out, null, 2)}\n`);
log.info('shutdown.done', { results: 'bench/results/shutdown.json' });
