// Benchmark: what prom-client costs the relay (RSS, CPU, scrape) against the hand-written metrics writer it replaced, at 10,000 cached objects.
//
// One control plane, one worker, one namespace holding 1,500 converged Websites (with their ConfigMaps and
// Deployments) and plain ConfigMaps: 10,000 objects the relay caches. Two relays take turns on it, each a
// separate process with the Deployment's node flags: `before`, the relay of the commit before prom-client
// (BENCH_BEFORE_COMMIT, default 01f5a80, extracted with `git archive` into a temp dir), and `after`, this
// tree. Each run: start, reconcile every primary once (the worker answers, nothing is written), settle;
// then RSS and CPU, RSS after a forced GC, idle CPU over IDLE_S seconds without scrapes (the event-loop
// delay sampler is a timer), CPU over SCRAPE_S seconds of one scrape a second, and the /metrics body.
// BENCH_ROUNDS (default 2) alternates before/after that many times.
// Writes bench/results/metrics.json. Run: npm run bench -- metrics
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startControlPlane } from '../cluster/index.ts';
import { MSG_MEMORY_AFTER_GC } from '../relay/process.ts';
import { MSG_RELAY_STARTED } from '../relay/relay.ts';
import { loadKubeconfigFile } from '../relay/kube/rest-config.ts';
import { TestKube } from '../test/support/kube.ts';
import {
  CONFIGMAP,
  DEPLOYMENT,
  prepareNamespace,
  SERVICE,
  sumMetric,
  WEBSITE,
} from '../test/support/relay-env.ts';
import { PRODUCTION_CONFIG, startWorker } from '../worker/testing/harness.ts';
import { ConvergenceObserver } from './baseline/observer.ts';
import { round } from './baseline/phases.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BEFORE_COMMIT = process.env.BENCH_BEFORE_COMMIT ?? '01f5a80';
const WEBSITES = 1500;
const OBJECTS = 10_000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const IDLE_S = 30;
const SCRAPE_S = 30;
const IN_FLIGHT = 50;
const deployment = readFileSync(new URL('../deploy/relay/deployment.yaml', import.meta.url), 'utf8');
const FLAGS = (/command: \[node, (.*), relay\.mjs\]/.exec(deployment)?.[1]?.split(', ') ?? []).filter(
  Boolean,
);
const progress = (msg: string) =>
  process.stderr.write(`[bench:metrics] ${new Date().toISOString().slice(11, 19)} ${msg}\n`);

const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
/** CPU seconds (user + system) of one process, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}
function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
  return round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024);
}

async function inFlight(n: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(IN_FLIGHT, n) }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

/** The relay tree of `commit` (relay/ and src/) in a temp dir, resolving packages from this checkout's node_modules. */
function extractTree(commit: string): string {
  const dir = mkdtempSync(join(tmpdir(), `zeroloop-relay-${commit}-`));
  const tar = execFileSync('git', ['archive', commit, 'relay', 'src'], {
    cwd: ROOT,
    maxBuffer: 256 * 2 ** 20,
  });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

interface Run {
  variant: 'before' | 'after';
  startToSettledS: number;
  cpuToSettledS: number;
  rssSettledMiB: number;
  rssAfterGcMiB: number;
  heapUsedAfterGcMiB: number;
  idleCpuPercent: number;
  scrapeCpuPercent: number;
  scrapeMs: number;
  metricsBytes: number;
  metricsSeries: number;
}

async function runRelay(
  variant: 'before' | 'after',
  tree: string,
  kubeconfig: string,
  selector: string,
  reconciles: number,
): Promise<Run> {
  const t0 = performance.now();
  const relay = spawn(process.execPath, [...FLAGS, '--expose-gc', join(tree, 'relay', 'main.ts')], {
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      KUBECONFIG: kubeconfig,
      METRICS_PORT: '0',
      METRICS_HOST: '127.0.0.1',
      RECONCILER_SELECTOR: selector,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let metricsUrl = '';
  let onGc: ((line: Record<string, number>) => void) | undefined;
  // The log lines, not the RelayStarted record: the `before` tree predates the record.
  createInterface({ input: relay.stdout }).on('line', (line) => {
    if (!metricsUrl && line.includes(`"${MSG_RELAY_STARTED}"`))
      metricsUrl = (JSON.parse(line) as { metrics: string }).metrics;
    if (line.includes(`"${MSG_MEMORY_AFTER_GC}"`)) onGc?.(JSON.parse(line) as Record<string, number>);
  });
  const pid = relay.pid ?? 0;
  try {
    while (!metricsUrl) {
      if (relay.exitCode !== null) throw new Error(`${variant} relay exited with ${String(relay.exitCode)}`);
      await sleep(50);
    }
    const total = async () => sumMetric(await (await fetch(metricsUrl)).text(), 'zeroloop_reconciles_total');
    // Every primary once, then quiet for 5 s.
    while ((await total()) < reconciles) await sleep(500);
    for (let last = -1; ;) {
      const now = await total();
      if (now === last) break;
      last = now;
      await sleep(5000);
    }
    const startToSettledS = round((performance.now() - t0) / 1000 - 5);
    const cpuToSettledS = round(cpuSeconds(pid));
    const rssSettledMiB = rssMiB(pid);
    const gc = await new Promise<Record<string, number>>((resolve) => {
      onGc = resolve;
      relay.kill('SIGUSR2');
    });
    const idleFrom = cpuSeconds(pid);
    await sleep(IDLE_S * 1000);
    const idleCpuPercent = round(((cpuSeconds(pid) - idleFrom) / IDLE_S) * 100);
    const scrapeFrom = cpuSeconds(pid);
    const times: number[] = [];
    let body = '';
    for (let i = 0; i < SCRAPE_S; i++) {
      const s = performance.now();
      body = await (await fetch(metricsUrl)).text();
      times.push(performance.now() - s);
      await sleep(1000 - (performance.now() - s));
    }
    const scrapeCpuPercent = round(((cpuSeconds(pid) - scrapeFrom) / SCRAPE_S) * 100);
    times.sort((a, b) => a - b);
    return {
      variant,
      startToSettledS,
      cpuToSettledS,
      rssSettledMiB,
      rssAfterGcMiB: round(Number(gc.rss) / 2 ** 20),
      heapUsedAfterGcMiB: round(Number(gc.heapUsed) / 2 ** 20),
      idleCpuPercent,
      scrapeCpuPercent,
      scrapeMs: round(times[Math.floor(times.length / 2)] ?? NaN),
      metricsBytes: body.length,
      metricsSeries: body.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length,
    };
  } finally {
    const exited = new Promise((resolve) => relay.once('exit', resolve));
    relay.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000)]);
  }
}

const before = extractTree(BEFORE_COMMIT);
const plane = await startControlPlane();
try {
  const kube = new TestKube(await loadKubeconfigFile(plane.kubeconfigPath));
  const worker = await startWorker(PRODUCTION_CONFIG);
  try {
    const namespace = await prepareNamespace(kube, 'bench-metrics');
    const selector = `zeroloop.dev/test=${namespace}`;
    const plain = OBJECTS - 3 * WEBSITES;
    await inFlight(plain, (i) =>
      kube.create({
        ...CONFIGMAP,
        metadata: {
          name: `plain-${String(i)}`,
          namespace,
          labels: { app: `app-${String(i % 50)}`, tier: 'config' },
        },
        data: { 'settings.yaml': `name: plain-${String(i)}\n${'option: value\n'.repeat(36)}` },
      }),
    );
    await kube.create({
      apiVersion: 'zeroloop.dev/v1alpha1',
      kind: 'Reconciler',
      metadata: { name: `metrics-${namespace}`, labels: { 'zeroloop.dev/test': namespace } },
      spec: {
        reconciler: 'website',
        endpoint: worker.url.toString(),
        signingSecretRef: { namespace, name: 'worker-signing', key: 'secret' },
        primary: WEBSITE,
        owns: [DEPLOYMENT, SERVICE, CONFIGMAP],
        namespaces: [namespace],
        concurrency: 8,
      },
    });
    const names = Array.from({ length: WEBSITES }, (_, i) => `site-${String(i)}`);
    await inFlight(WEBSITES, (i) =>
      kube.create({
        ...WEBSITE,
        metadata: { name: names[i], namespace },
        spec: { html: `<h1>${String(i)}</h1>`, expose: false },
      }),
    );
    progress(
      `${String(plain)} plain ConfigMaps and ${String(WEBSITES)} Websites in ${namespace}; converging them`,
    );
    // A first relay (this tree) converges the Websites, so the measured runs all start from the same state.
    const observer = await ConvergenceObserver.start(kube, namespace);
    const warm = await runRelay('after', ROOT, plane.kubeconfigPath, selector, WEBSITES);
    while (observer.count(names) < WEBSITES) await sleep(1000);
    await observer.stop();
    progress(`converged (warm-up run: ${JSON.stringify(warm)})`);
    const runs: Run[] = [];
    for (let round_ = 0; round_ < ROUNDS; round_++)
      for (const [variant, tree] of [
        ['before', before],
        ['after', ROOT],
      ] as const) {
        const run = await runRelay(variant, tree, plane.kubeconfigPath, selector, WEBSITES);
        progress(JSON.stringify(run));
        runs.push(run);
      }
    const mean = (variant: string, key: keyof Run) => {
      const xs = runs.filter((r) => r.variant === variant).map((r) => Number(r[key]));
      return round(xs.reduce((a, b) => a + b, 0) / xs.length);
    };
    const keys = [
      'rssSettledMiB',
      'rssAfterGcMiB',
      'heapUsedAfterGcMiB',
      'cpuToSettledS',
      'idleCpuPercent',
      'scrapeCpuPercent',
      'scrapeMs',
      'metricsBytes',
      'metricsSeries',
    ] as const;
    const summary = Object.fromEntries(
      keys.map((k) => [
        k,
        {
          before: mean('before', k),
          after: mean('after', k),
          delta: round(mean('after', k) - mean('before', k)),
        },
      ]),
    );
    const report = {
      benchmark: 'metrics',
      date: new Date().toISOString(),
      what: 'the relay with prom-client (after) against the hand-written Prometheus text writer (before), same cluster state, alternating runs',
      beforeCommit: BEFORE_COMMIT,
      cachedObjects: OBJECTS,
      websites: WEBSITES,
      nodeFlags: FLAGS,
      idleSeconds: IDLE_S,
      scrapeSeconds: SCRAPE_S,
      scrapeIntervalS: 1,
      rounds: ROUNDS,
      summary,
      runs,
    };
    writeFileSync(new URL('./results/metrics.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
    progress(`summary ${JSON.stringify(summary)}`);
  } finally {
    await worker.close();
  }
} finally {
  await plane.stop();
  rmSync(before, { recursive: true, force: true });
}
