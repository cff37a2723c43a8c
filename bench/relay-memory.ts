// Benchmark: the relay's memory with many cached objects, against the controller-runtime baseline in the same run.
//
// Scenarios (BENCH_SCENARIOS, default `1k,10k`):
// - 1k: 1,000 Websites burst-created (3,000 cached objects: Website, ConfigMap, Deployment);
// - 10k: 1,500 Websites burst-created plus plain ConfigMaps in the watched namespace, created
//   before the system starts, to 10,000 objects the relay caches (Websites, their ConfigMaps and
//   Deployments, the plain ConfigMaps).
// Each system (BENCH_SYSTEMS, default `zeroloop,baseline`) runs alone in a fresh namespace per
// scenario. After every Website converged and reconciles stopped: RSS from /proc; for the relay
// also RSS, heapUsed and heapTotal after a forced full GC (the relay runs with --expose-gc and
// logs them on SIGUSR2, relay/main.ts). The relay runs with the node flags of
// deploy/relay/deployment.yaml unless BENCH_RELAY_NODE_FLAGS is set. BENCH_HEAP_SNAPSHOT=1 also
// writes a heap snapshot of the relay in each scenario and adds its breakdown (bench/heap-breakdown.ts).
// The relay inherits this process's environment (e.g. MALLOC_ARENA_MAX for a trial).
// Writes bench/results/relay-memory.{json,md} (BENCH_TAG=x: relay-memory-x.*).
// Run: npm run bench -- relay-memory
import { spawn } from 'node:child_process';
import {
  createWriteStream,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startControlPlane } from '../cluster/index.ts';
import type { ControlPlane } from '../cluster/index.ts';
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
import { ensureBaseline } from './baseline/build.ts';
import { relayNodeFlags } from './baseline/deployed-relay.ts';
import { ConvergenceObserver } from './baseline/observer.ts';
import { sampleTrees } from './baseline/procfs.ts';
import { load1m, round } from './baseline/phases.ts';
import { startBaseline } from './baseline/systems.ts';
import { rssByMapping } from './smaps.ts';
import { heapBreakdown } from './heap-breakdown.ts';
import { memoryMarkdown } from './relay-memory-report.ts';
import type { MemoryFigures } from './relay-memory-report.ts';
import { relayStarted } from '../relay/observe/started.ts';
import { MSG_MEMORY_AFTER_GC } from '../relay/process.ts';
import { errorMessage } from '../src/error-message.ts';

const SCENARIOS = {
  '1k': { websites: 1000, objects: 3000 },
  '10k': { websites: 1500, objects: 10_000 },
} as const;
type Scenario = keyof typeof SCENARIOS;
const scenarios = (process.env.BENCH_SCENARIOS ?? '1k,10k')
  .split(',')
  .filter((s): s is Scenario => s in SCENARIOS);
const systems = (process.env.BENCH_SYSTEMS ?? 'zeroloop,baseline').split(',');
const CONCURRENCY = 8;
const IN_FLIGHT = 50;
const SNAPSHOT = process.env.BENCH_HEAP_SNAPSHOT === '1';
const RELAY_FLAGS = relayNodeFlags();
const TAG = process.env.BENCH_TAG ? `relay-memory-${process.env.BENCH_TAG}` : 'relay-memory';
const results = new URL('./results/', import.meta.url);
const logDir = mkdtempSync(join(tmpdir(), 'zeroloop-relay-memory-'));
const progress = (msg: string) =>
  process.stderr.write(`[bench:relay-memory] ${new Date().toISOString().slice(11, 19)} ${msg}\n`);

const mib = (bytes: number) => round(bytes / 2 ** 20);
function procStatusMiB(pid: number): { rssMiB: number; peakRssMiB: number } {
  const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rssMiB: round(kib('VmRSS') / 1024), peakRssMiB: round(kib('VmHWM') / 1024) };
}

/** Runs `fn` on `n` items with IN_FLIGHT calls in flight. */
async function inFlight(n: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(IN_FLIGHT, n) }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

/** A plain ConfigMap nobody owns: ~0.5 KiB of data and two labels, as an application's config might be. */
function plainConfigMap(i: number, namespace: string) {
  return {
    ...CONFIGMAP,
    metadata: {
      name: `plain-${String(i)}`,
      namespace,
      labels: { app: `app-${String(i % 50)}`, tier: 'config' },
    },
    data: { 'settings.yaml': `name: plain-${String(i)}\n${'option: value\n'.repeat(36)}` },
  };
}

interface Running {
  pid: number;
  reconciles(): Promise<number>;
  /** The relay: forces a GC and returns its log line. */
  gc?: () => Promise<Record<string, number | string | boolean>>;
  /** The relay, with a snapshot dir: writes a heap snapshot and returns its path. */
  snapshot?: () => Promise<string>;
  stop(): Promise<void>;
}

/** Signals node's --heapsnapshot-signal and waits until the file stops growing. */
async function writeSnapshot(pid: number, dir: string): Promise<string> {
  process.kill(pid, 'SIGPWR');
  let size = -1;
  for (;;) {
    await sleep(1000);
    const file = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot'));
    if (!file) continue;
    const now = statSync(join(dir, file)).size;
    if (now > 0 && now === size) return join(dir, file);
    size = now;
  }
}

async function startRelay(
  plane: ControlPlane,
  kube: TestKube,
  namespace: string,
  endpoint: string,
  snapshotDir: string | undefined,
): Promise<Running> {
  await kube.create({
    apiVersion: 'zeroloop.dev/v1alpha1',
    kind: 'Reconciler',
    metadata: { name: `mem-${namespace}`, labels: { 'zeroloop.dev/test': namespace } },
    spec: {
      reconciler: 'website',
      endpoint,
      signingSecretRef: { namespace, name: 'worker-signing', key: 'secret' },
      primary: WEBSITE,
      owns: [DEPLOYMENT, SERVICE, CONFIGMAP],
      namespaces: [namespace],
      concurrency: CONCURRENCY,
    },
  });
  const relay = spawn(
    process.execPath,
    [
      ...RELAY_FLAGS,
      '--expose-gc',
      ...(snapshotDir ? ['--heapsnapshot-signal=SIGPWR', `--diagnostic-dir=${snapshotDir}`] : []),
      fileURLToPath(new URL('../relay/main.ts', import.meta.url)),
    ],
    {
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        KUBECONFIG: plane.kubeconfigPath,
        METRICS_PORT: '0',
        METRICS_HOST: '127.0.0.1',
        RECONCILER_SELECTOR: `zeroloop.dev/test=${namespace}`,
      },
      // The IPC channel carries the relay's RelayStarted record.
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  );
  const started = relayStarted(relay);
  const log = createWriteStream(join(logDir, `relay-${namespace}.log`));
  // Both piped; the type cannot say so once the IPC channel makes stdio four long.
  if (relay.stdout === null || relay.stderr === null)
    throw new Error('the relay has no stdout or stderr pipe');
  relay.stderr.pipe(log);
  let onGc: ((fields: Record<string, number | string | boolean>) => void) | undefined;
  createInterface({ input: relay.stdout }).on('line', (line) => {
    log.write(`${line}\n`);
    if (line.includes(`"${MSG_MEMORY_AFTER_GC}"`)) onGc?.(JSON.parse(line) as Record<string, number>);
  });
  const { url, metricsUrl } = await started.catch((error: unknown) => {
    throw new Error(`${errorMessage(error)}: read ${logDir}`);
  });
  while ((await fetch(`${url}/readyz`)).status !== 200) await sleep(100);
  return {
    pid: relay.pid ?? 0,
    reconciles: async () => sumMetric(await (await fetch(metricsUrl)).text(), 'zeroloop_reconciles_total'),
    gc: () =>
      new Promise((resolve) => {
        onGc = resolve;
        relay.kill('SIGUSR2');
      }),
    ...(snapshotDir ? { snapshot: () => writeSnapshot(relay.pid ?? 0, snapshotDir) } : {}),
    stop: async () => {
      const exited = new Promise((resolve) => relay.once('exit', resolve));
      relay.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
      log.end();
    },
  };
}

async function measure(
  plane: ControlPlane,
  kube: TestKube,
  system: string,
  scenario: Scenario,
  endpoint: string,
  baselineBinary: string,
): Promise<MemoryFigures> {
  const { websites, objects } = SCENARIOS[scenario];
  const namespace = await prepareNamespace(kube, `mem-${system.slice(0, 4)}-${scenario}`);
  const plain = Math.max(0, objects - 3 * websites);
  await inFlight(plain, (i) => kube.create(plainConfigMap(i, namespace)));
  progress(`${system} ${scenario}: ${String(plain)} plain ConfigMaps in ${namespace}`);
  const observer = await ConvergenceObserver.start(kube, namespace);
  const snapshotDir =
    SNAPSHOT && system === 'zeroloop' ? mkdtempSync(join(tmpdir(), 'zeroloop-heap-')) : undefined;
  let running: Running;
  let keep = process.env.BENCH_KEEP_SNAPSHOT === '1';
  if (system === 'zeroloop') {
    running = await startRelay(plane, kube, namespace, endpoint, snapshotDir);
  } else {
    const b = await startBaseline({
      plane,
      kube,
      namespace,
      concurrency: CONCURRENCY,
      logDir,
      binary: baselineBinary,
      mode: 'watch',
    });
    running = {
      pid: b.parts.operator?.[0] ?? 0,
      reconciles: async () => (await b.reconciles()).total,
      stop: () => b.stop(),
    };
  }
  try {
    const names = Array.from({ length: websites }, (_, i) => `site-${String(i)}`);
    const t0 = performance.now();
    await inFlight(websites, (i) =>
      kube.create({
        ...WEBSITE,
        metadata: { name: names[i], namespace },
        spec: { html: `<h1>${String(i)}</h1>`, expose: false },
      }),
    );
    while (observer.count(names) < websites) {
      if (performance.now() - t0 > 600_000) throw new Error(`${system} ${scenario}: not converged in 10 min`);
      await sleep(1000);
    }
    const convergeMs = Math.round(performance.now() - t0);
    // Settled: no reconcile for 5 s, at most 2 min.
    let last = -1;
    for (const deadline = performance.now() + 120_000; performance.now() < deadline;) {
      const now = await running.reconciles();
      if (now === last) break;
      last = now;
      await sleep(5000);
    }
    const cachedObjects =
      (await kube.list(WEBSITE.apiVersion, WEBSITE.kind, namespace)).length +
      (await kube.list(CONFIGMAP.apiVersion, CONFIGMAP.kind, namespace)).length +
      (await kube.list(DEPLOYMENT.apiVersion, DEPLOYMENT.kind, namespace)).length;
    const figures: MemoryFigures = {
      system,
      websites,
      cachedObjects,
      convergeMs,
      ...procStatusMiB(running.pid),
      cpuSeconds: sampleTrees([running.pid]).cpuSeconds,
    };
    if (running.gc) {
      const line = await running.gc();
      const n = (k: string) => mib(Number(line[k]));
      figures.afterGc = {
        rssMiB: n('rss'),
        heapUsedMiB: n('heapUsed'),
        heapTotalMiB: n('heapTotal'),
        externalMiB: n('external'),
        heapUsedBeforeGcMiB: n('heapUsedBeforeGc'),
      };
      figures.mappings = rssByMapping(running.pid);
      if (running.snapshot) {
        const snapshot = await running.snapshot();
        progress(`${system} ${scenario}: analysing ${snapshot}`);
        try {
          figures.heap = heapBreakdown(snapshot, {
            rss: Number(line.rss),
            heapTotal: Number(line.heapTotal),
            heapUsed: Number(line.heapUsed),
            heapUsedBeforeGc: Number(line.heapUsedBeforeGc),
            cachedObjects,
          });
        } catch (error) {
          progress(`heap breakdown failed (${String(error)}); snapshot kept: ${snapshot}`);
          keep = true;
        }
      }
    }
    figures.mappings ??= rssByMapping(running.pid);
    progress(`${system} ${scenario}: ${JSON.stringify({ ...figures, heap: undefined })}`);
    return figures;
  } finally {
    await running.stop();
    await observer.stop();
    if (snapshotDir && !keep) rmSync(snapshotDir, { recursive: true, force: true });
  }
}

const binary = systems.includes('baseline') ? (await ensureBaseline()).path : '';
const plane = await startControlPlane();
const loadAtStart = load1m();
try {
  const kube = new TestKube(await loadKubeconfigFile(plane.kubeconfigPath));
  const worker = await startWorker(PRODUCTION_CONFIG);
  const runs: MemoryFigures[] = [];
  try {
    for (const scenario of scenarios)
      for (const system of systems)
        runs.push(await measure(plane, kube, system, scenario, worker.url.toString(), binary));
  } finally {
    await worker.close();
  }
  const report = {
    benchmark: 'relay-memory',
    date: new Date().toISOString(),
    command: 'npm run bench -- relay-memory',
    machine: {
      cpus: cpus().length,
      memGiB: Math.round(totalmem() / 2 ** 30),
      loadavg1mAtStart: loadAtStart,
      loadavg1mAtEnd: load1m(),
    },
    relayNodeFlags: RELAY_FLAGS,
    relayMallocArenaMax: process.env.MALLOC_ARENA_MAX,
    concurrency: CONCURRENCY,
    runs,
  };
  writeFileSync(new URL(`${TAG}.json`, results), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(new URL(`${TAG}.md`, results), memoryMarkdown(report));
  process.stdout.write(memoryMarkdown(report));
} finally {
  await plane.stop();
}
