// Benchmark: the relay's own structured log writer (relay/observe/log.ts) against pino 10, per log line (CPU, bytes) and in an idle relay (RSS).
//
// Lines: one child process per logger and round writes LINES lines of the relay's shapes to stdout
// redirected to a file, as a Deployment's relay writes them: per line a child logger with the
// reconcile's key and traceparent (as each reconcile gets one) and a `reconciled` line with its
// counts and phases; every tenth a `reconcile failed` line carrying an Error. WARMUP lines first, not
// counted. The figure is the child's CPU (user + system, process.cpuUsage) per line, pino's flush
// included, and the bytes per line. `own` is observe/log.ts; `pino` is pino's default destination
// (sonic-boom, asynchronous); `pino-sync` is pino.destination({ sync: true }), as synchronous as `own`.
// Relay: the relay (startRelay, with the Deployment's node flags) in a child process per logger on one
// local control plane, idle with no Reconciler; RSS and heap after a forced GC at IDLE_S seconds.
// ROUNDS alternate the variants; figures are medians. Writes bench/results/logger.json.
// Run: npm run bench -- logger   (--quick: fewer lines and rounds; --lines-only: no control plane)
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../relay/observe/log.ts';

const QUICK = process.argv.includes('--quick');
const LINES_ONLY = process.argv.includes('--lines-only');
const LINES = QUICK ? 50_000 : 200_000;
const WARMUP = 20_000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 2 : 5));
const IDLE_S = QUICK ? 10 : 20;
const VARIANTS = ['own', 'pino', 'pino-sync'] as const;
type Variant = (typeof VARIANTS)[number];
const SELF = fileURLToPath(import.meta.url);
const deployment = readFileSync(new URL('../deploy/relay/deployment.yaml', import.meta.url), 'utf8');
/** The Deployment's node flags (memory settings): the relay runs with them here too. */
const FLAGS = /command: \[node, (.*), relay\.mjs\]/.exec(deployment)?.[1]?.split(', ') ?? [];

interface LinesRun {
  variant: Variant;
  cpuUsPerLine: number;
  bytesPerLine: number;
  /** RSS after GC before the logger's module is imported, and after its import and first lines (MiB). */
  rssBeforeImportMiB: number;
  rssAfterMiB: number;
}
interface RelayRun {
  variant: Variant;
  rssAfterGcMiB: number;
  heapUsedAfterGcMiB: number;
}

const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
};
const gc = () => {
  (globalThis as { gc?: () => void }).gc?.();
};

// ── children ─────────────────────────────────────────────────────────────────────────────────────

interface Built {
  log: Logger;
  flush: () => Promise<void>;
}

async function build(variant: Variant): Promise<Built> {
  if (variant === 'own') {
    const { createLogger } = await import('../relay/observe/log.ts');
    return { log: createLogger({ level: 'info' }), flush: () => Promise.resolve() };
  }
  const { pinoLogger } = await import('./pino-logger.ts');
  if (variant === 'pino') return pinoLogger('info');
  const { pino } = await import('pino');
  return pinoLogger('info', pino.destination({ dest: 1, sync: true }));
}

/** Writes `n` lines of the relay's reconcile shapes through `log`. */
function writeLines(log: Built['log'], n: number, from: number): void {
  const failure = new Error('connect ECONNREFUSED 127.0.0.1:8787', { cause: new Error('socket hang up') });
  failure.name = 'WorkerUnavailable';
  for (let i = from; i < from + n; i++) {
    const key = `bench/site-${String(i % 1000).padStart(4, '0')}`;
    const r = log.child({
      reconciler: 'website',
      key,
      traceparent: `00-${i.toString(16).padStart(32, '0')}-${(i * 7).toString(16).padStart(16, '0')}-01`,
    });
    if (i % 10 === 9)
      r.warn('reconcile failed', {
        trigger: 'primary',
        result: 'worker_unavailable',
        error: failure,
        retryInMs: 400,
        durationMs: 3.2,
      });
    else
      r.info('reconciled', {
        trigger: 'primary',
        applied: 3,
        unchanged: 0,
        refused: 0,
        calls: 1,
        related: 0,
        finalizing: false,
        pruned: 0,
        statusWritten: true,
        requeueAfterMs: null,
        durationMs: 12.345,
        phasesMs: { queue: 0.1, request: 0.4, worker: 5.2, dryRun: 2.1, apply: 3.3, pruneStatus: 1.2 },
      });
  }
}

async function childLines(variant: Variant): Promise<Omit<LinesRun, 'bytesPerLine'>> {
  gc();
  const rssBeforeImport = process.memoryUsage().rss;
  const built = await build(variant);
  writeLines(built.log, WARMUP, 0);
  await built.flush();
  const before = process.cpuUsage();
  writeLines(built.log, LINES, WARMUP);
  await built.flush();
  const cpu = process.cpuUsage(before);
  gc();
  return {
    variant,
    cpuUsPerLine: (cpu.user + cpu.system) / LINES,
    rssBeforeImportMiB: mib(rssBeforeImport),
    rssAfterMiB: mib(process.memoryUsage().rss),
  };
}

async function childRelay(variant: Variant, kubeconfig: string): Promise<RelayRun> {
  const { startRelay } = await import('../relay/relay.ts');
  const { loadKubeconfigFile } = await import('../relay/kube/rest-config.ts');
  const built = await build(variant);
  const relay = await startRelay({
    restConfig: await loadKubeconfigFile(kubeconfig),
    metricsPort: 0,
    metricsHost: '127.0.0.1',
    reconcilerSelector: 'zeroloop.dev/bench=none',
    log: built.log,
  });
  await sleep(IDLE_S * 1000);
  gc();
  const { rss, heapUsed } = process.memoryUsage();
  await relay.stop(1000);
  await built.flush();
  return { variant, rssAfterGcMiB: mib(rss), heapUsedAfterGcMiB: mib(heapUsed) };
}

/** A child's run: its result goes to the parent over the IPC channel, then the process exits (never the parent's code). */
async function runAsChild(args: string[]): Promise<never> {
  const [mode, variant, kubeconfig] = args as [string, Variant, string];
  const result = mode === 'lines' ? await childLines(variant) : await childRelay(variant, kubeconfig);
  await new Promise<void>((resolve, reject) => {
    if (process.send === undefined) throw new Error('a bench child needs the IPC channel of bench/logger.ts');
    process.send(result, (error: Error | null) => {
      if (error) reject(error);
      else resolve();
    });
  });
  process.exit(0);
}

// ── parent ───────────────────────────────────────────────────────────────────────────────────────

const progress = (msg: string) =>
  process.stderr.write(`[bench:logger] ${new Date().toISOString().slice(11, 19)} ${msg}\n`);

/** Runs one child with its stdout in `outFile`; resolves with the result it sends. */
function runChild<T>(args: string[], outFile: string, flags: string[]): Promise<T> {
  const out = openSync(outFile, 'w');
  const child = spawn(
    process.execPath,
    [...flags, '--expose-gc', SELF, ...(QUICK ? ['--quick'] : []), '--child', ...args],
    {
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', out, 'inherit', 'ipc'],
    },
  );
  closeSync(out);
  return new Promise((resolve, reject) => {
    let result: T | undefined;
    child.on('message', (m) => (result = m as T));
    child.on('exit', (code) => {
      if (code === 0 && result !== undefined) resolve(result);
      else
        reject(
          new Error(`bench child ${args.join(' ')} exited with ${String(code)}; its output: ${outFile}`),
        );
    });
  });
}

/** The first line of `file` parsed: each variant must write the relay's line shape. */
function lineShape(file: string): string {
  const first = JSON.parse(readFileSync(file, 'utf8').slice(0, 4096).split('\n')[0] ?? '{}') as Record<
    string,
    unknown
  >;
  for (const field of ['time', 'level', 'msg', 'key', 'reconciler'])
    if (!(field in first))
      throw new Error(`${file}: the first line has no ${field}: ${JSON.stringify(first)}`);
  if (typeof first.level !== 'string' || typeof first.time !== 'string' || !first.time.endsWith('Z'))
    throw new Error(`${file}: not the relay's shape (ISO time, level name): ${JSON.stringify(first)}`);
  return Object.keys(first).join(',');
}

/** The parent's run: the children in turn, then the summary in bench/results/logger.json. */
async function runParent(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'zeroloop-bench-logger-'));
  const lines: LinesRun[] = [];
  const relays: RelayRun[] = [];
  const shapes: Record<string, string> = {};
  try {
    for (let round = 1; round <= ROUNDS; round++)
      for (const variant of VARIANTS) {
        const file = join(work, `${variant}-${String(round)}.log`);
        const run = await runChild<Omit<LinesRun, 'bytesPerLine'>>(['lines', variant], file, FLAGS);
        shapes[variant] = lineShape(file);
        const bytesPerLine = Math.round(statSync(file).size / (LINES + WARMUP));
        lines.push({ ...run, bytesPerLine });
        rmSync(file);
        progress(
          `lines round ${String(round)}/${String(ROUNDS)} ${variant}: ${JSON.stringify(lines.at(-1))}`,
        );
      }

    if (!LINES_ONLY) {
      const { startControlPlane } = await import('../cluster/index.ts');
      const { silentLogger } = await import('../relay/observe/log.ts');
      const { TestKube } = await import('../test/support/kube.ts');
      const { CRDS } = await import('../test/support/relay-env.ts');
      progress('starting a control plane');
      const plane = await startControlPlane({ handleSignals: false, logger: silentLogger });
      try {
        const [reconcilerCrd] = CRDS;
        const { loadKubeconfigFile } = await import('../relay/kube/rest-config.ts');
        const kube = new TestKube(await loadKubeconfigFile(plane.kubeconfigPath));
        if (reconcilerCrd) await kube.applyFile(reconcilerCrd);
        for (let round = 1; round <= ROUNDS; round++)
          for (const variant of VARIANTS) {
            const file = join(work, `relay-${variant}-${String(round)}.log`);
            relays.push(await runChild<RelayRun>(['relay', variant, plane.kubeconfigPath], file, FLAGS));
            progress(
              `relay round ${String(round)}/${String(ROUNDS)} ${variant}: ${JSON.stringify(relays.at(-1))}`,
            );
          }
      } finally {
        await plane.stop();
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  const summary = Object.fromEntries(
    VARIANTS.map((variant) => {
      const l = lines.filter((r) => r.variant === variant);
      const r = relays.filter((x) => x.variant === variant);
      return [
        variant,
        {
          cpuUsPerLine: Math.round(median(l.map((x) => x.cpuUsPerLine)) * 100) / 100,
          cpuUsPerLineRuns: l.map((x) => Math.round(x.cpuUsPerLine * 100) / 100),
          bytesPerLine: median(l.map((x) => x.bytesPerLine)),
          rssBeforeImportMiB: median(l.map((x) => x.rssBeforeImportMiB)),
          rssAfterLinesMiB: median(l.map((x) => x.rssAfterMiB)),
          ...(r.length > 0 && {
            relayIdleRssAfterGcMiB: median(r.map((x) => x.rssAfterGcMiB)),
            relayIdleRssRuns: r.map((x) => x.rssAfterGcMiB),
            relayIdleHeapUsedAfterGcMiB: median(r.map((x) => x.heapUsedAfterGcMiB)),
          }),
          lineFields: shapes[variant],
        },
      ];
    }),
  );
  const result = {
    bench: 'logger',
    date: new Date().toISOString(),
    machine: { cpus: availableParallelism(), load1m: Math.round((loadavg()[0] ?? 0) * 100) / 100 },
    node: process.version,
    nodeFlags: FLAGS,
    lines: LINES,
    warmup: WARMUP,
    rounds: ROUNDS,
    idleSeconds: LINES_ONLY ? undefined : IDLE_S,
    summary,
    runs: { lines, relays },
  };
  writeFileSync(new URL('results/logger.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
  progress(`summary ${JSON.stringify(summary)}`);
}

const childIndex = process.argv.indexOf('--child');
if (childIndex >= 0) await runAsChild(process.argv.slice(childIndex + 1));
else await runParent();
