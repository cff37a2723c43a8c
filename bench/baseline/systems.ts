// Starts and stops the systems under comparison on one control plane: zeroloop (one relay + worker, a Reconciler per namespace), the baseline operator(s) and the floor client.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ControlPlane } from '../../cluster/index.ts';
import { freePorts } from '../../cluster/ports.ts';
import type { TestKube } from '../../test/support/kube.ts';
import { CONFIGMAP, DEPLOYMENT, SERVICE, sumMetric, WEBSITE } from '../../test/support/relay-env.ts';
import { startPlainWorkerd } from '../../worker/testing/workerd.ts';
import { PhaseLog } from './breakdown.ts';
import { startDelayProxy } from './delay-proxy.ts';
import { relayStarted } from '../../relay/observe/started.ts';
import type { KObject } from '../../relay/kube/object.ts';
import { deployedRelay, relayNodeFlags } from './deployed-relay.ts';
import { floorBundle } from './floor-bundle.ts';
import { floorCreated, FloorReport } from './floor-protocol.ts';

export type SystemName = 'zeroloop' | 'baseline-watch' | 'baseline-percona' | 'floor';

export interface RunningSystem {
  readonly name: SystemName;
  /** The process trees measured, by part (zeroloop: relay, workerd; baseline: operator). */
  readonly parts: Readonly<Record<string, readonly number[]>>;
  /** zeroloop: the phases of each reconcile, from the relay's log. */
  readonly phases?: PhaseLog;
  /**
   * Reconciles finished so far, and how many of them failed, from the system's own metrics; for
   * zeroloop also the requests the relay sent its worker (each a network round trip when deployed);
   * for the floor, which makes no reconciles (total 0), the writes it sent and the attempts that failed.
   */
  reconciles(): Promise<{
    total: number;
    failed: number;
    workerRequests?: number;
    writes?: number;
    failedWrites?: number;
  }>;
  /**
   * The floor only: the benchmark created this Website (the create's answer). The floor learns of
   * Websites this way instead of by a watch; the other systems watch and have no such method.
   */
  created?(website: KObject): void;
  stop(): Promise<void>;
}

export interface StartOptions {
  plane: ControlPlane;
  kube: TestKube;
  namespace: string;
  concurrency: number;
  /** Each system's log goes to `<logDir>/<name>.log`. */
  logDir: string;
  /** zeroloop: milliseconds added each way between relay and worker (a delay proxy); 0 for none. */
  workerDelayMs?: number;
}

export interface ZeroloopOptions extends StartOptions {
  /**
   * The namespaces the one relay serves, one Reconciler each (confined to its namespace, all selected by
   * the label `zeroloop.dev/test=<namespace>`); default `[namespace]`. Each needs its `worker-signing`
   * Secret, as prepareNamespace makes it.
   */
  namespaces?: readonly string[];
}

/** A system did not become ready; its log says why. */
export class SystemStartFailed extends Error {
  override readonly name = 'SystemStartFailed';
  constructor(system: SystemName, reason: string, logPath: string) {
    super(`${system} did not start: ${reason}; read ${logPath}`);
  }
}

async function readyWithin(url: string, ms: number, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && child.exitCode === null) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return true;
    await sleep(200);
  }
  return false;
}

/** Waits until the relay at `metricsUrl` runs `count` controllers and is ready (every cache synced). */
async function controllersWithin(
  metricsUrl: string,
  count: number,
  ms: number,
  child: ChildProcess,
): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && child.exitCode === null) {
    const running = await fetch(metricsUrl).then(
      async (r) => sumMetric(await r.text(), 'zeroloop_controllers'),
      () => 0,
    );
    const ready =
      running >= count &&
      (await fetch(metricsUrl.replace('/metrics', '/readyz')).then(
        (r) => r.ok,
        () => false,
      ));
    if (ready) return true;
    await sleep(200);
  }
  return false;
}

/**
 * `node <args>` with an IPC channel and its stdout and stderr piped; `log` is the file `logPath`, for
 * the caller to pipe them into (the relay's stdout also feeds the phase log).
 */
function spawnNode(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  logPath: string,
  who: string,
): { child: ChildProcess; stdout: Readable; stderr: Readable; log: WriteStream } {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  // Both piped; the type cannot say so once the IPC channel makes stdio four long.
  if (child.stdout === null || child.stderr === null) throw new Error(`${who} has no stdout or stderr pipe`);
  return { child, stdout: child.stdout, stderr: child.stderr, log: createWriteStream(logPath) };
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(10_000).then(() => child.kill('SIGKILL'))]);
}

/**
 * The relay as deployed (the image's bundle and the Deployment's node flags), as its own process (so
 * its RSS and CPU are its own), serving one Reconciler per namespace, and the production worker bundle
 * in plain workerd: no wrangler proxy or log capture in front of it, which cost more per request
 * than the reconcile (a deployed Worker runs off-cluster, on Cloudflare).
 */
export async function startZeroloop(options: ZeroloopOptions): Promise<RunningSystem> {
  const { kube, namespace, plane } = options;
  const served = options.namespaces ?? [namespace];
  const logPath = join(options.logDir, 'zeroloop.log');
  const worker = await startPlainWorkerd();
  const workerd = [worker.process.pid ?? 0];
  const proxy = options.workerDelayMs ? await startDelayProxy(worker.url, options.workerDelayMs) : undefined;
  const reconcilers = served.map((ns) => ({ ns, name: `compare-${ns}` }));
  for (const { ns, name } of reconcilers)
    await kube.apply({
      apiVersion: 'zeroloop.dev/v1alpha1',
      kind: 'Reconciler',
      metadata: { name, labels: { 'zeroloop.dev/test': namespace } },
      spec: {
        reconciler: 'website',
        endpoint: (proxy?.url ?? worker.url).toString(),
        signingSecretRef: { namespace: ns, name: 'worker-signing', key: 'secret' },
        primary: WEBSITE,
        owns: [DEPLOYMENT, SERVICE, CONFIGMAP],
        namespaces: [ns],
        concurrency: options.concurrency,
      },
    });
  const deployed = await deployedRelay();
  // The IPC channel carries the relay's RelayStarted record.
  const {
    child: relay,
    stdout,
    stderr,
    log,
  } = spawnNode(
    deployed.args,
    {
      ...process.env,
      KUBECONFIG: plane.kubeconfigPath,
      METRICS_PORT: '0',
      METRICS_HOST: '127.0.0.1',
      RECONCILER_SELECTOR: `zeroloop.dev/test=${namespace}`,
    },
    logPath,
    'the relay',
  );
  stderr.pipe(log);
  const phases = new PhaseLog();
  createInterface({ input: stdout }).on('line', (line) => {
    log.write(`${line}\n`);
    phases.line(line);
  });
  const stop = async () => {
    await terminate(relay);
    for (const { name } of reconcilers)
      await kube.delete('zeroloop.dev/v1alpha1', 'Reconciler', undefined, name);
    await proxy?.close();
    await worker.close();
    log.end();
  };
  const metricsUrl = await relayStarted(relay).then(
    (record) => record.metricsUrl,
    () => '',
  );
  // Ready (/readyz) and running a controller for each Reconciler: /readyz alone may pass before the last one starts.
  if (!metricsUrl || !(await controllersWithin(metricsUrl, served.length, 60_000, relay))) {
    await stop();
    throw new SystemStartFailed(
      'zeroloop',
      `the relay did not report ready with ${String(served.length)} controllers (synced caches) within 60 s`,
      logPath,
    );
  }
  return {
    name: 'zeroloop',
    parts: { relay: [relay.pid ?? 0], workerd },
    phases,
    async reconciles() {
      const text = await (await fetch(metricsUrl)).text();
      const total = sumMetric(text, 'zeroloop_reconciles_total');
      return {
        total,
        failed: total - sumMetric(text, 'zeroloop_reconciles_total', { result: 'success' }),
        workerRequests: sumMetric(text, 'zeroloop_worker_requests_total'),
      };
    },
    stop,
  };
}

/** The controller-runtime baseline operator (`mode` watch or percona), watching only `namespace`. */
export async function startBaseline(
  options: StartOptions & { binary: string; mode: 'watch' | 'percona' },
): Promise<RunningSystem> {
  const name: SystemName = `baseline-${options.mode}`;
  const logPath = join(options.logDir, `${name}.log`);
  const [metricsPort, probePort] = await freePorts(2);
  const operator = spawn(
    options.binary,
    [
      `--mode=${options.mode}`,
      `--concurrency=${options.concurrency}`,
      `--namespace=${options.namespace}`,
      `--kubeconfig=${options.plane.kubeconfigPath}`,
      `--metrics-bind-address=127.0.0.1:${metricsPort ?? 0}`,
      `--health-probe-bind-address=127.0.0.1:${probePort ?? 0}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const log = createWriteStream(logPath);
  operator.stdout.pipe(log);
  operator.stderr.pipe(log);
  const stop = async () => {
    await terminate(operator);
    log.end();
  };
  if (!(await readyWithin(`http://127.0.0.1:${probePort ?? 0}/readyz`, 60_000, operator))) {
    await stop();
    throw new SystemStartFailed(name, 'the operator did not answer /readyz within 60 s', logPath);
  }
  const metricsUrl = `http://127.0.0.1:${metricsPort ?? 0}/metrics`;
  return {
    name,
    parts: { operator: [operator.pid ?? 0] },
    async reconciles() {
      const text = await (await fetch(metricsUrl)).text();
      const labels = { controller: 'website' };
      return {
        total: sumMetric(text, 'controller_runtime_reconcile_total', labels),
        failed: sumMetric(text, 'controller_runtime_reconcile_total', { ...labels, result: 'error' }),
      };
    },
    stop,
  };
}

/**
 * The floor: bench/baseline/floor.ts, bundled and run with the relay's node flags (relayNodeFlags), as
 * its own Node process; sent each created Website over its IPC channel; it applies that Website's
 * ConfigMap, Deployment and status, `concurrency` Websites at a time, with no watch, cache or read.
 */
export async function startFloor(options: StartOptions): Promise<RunningSystem> {
  const logPath = join(options.logDir, 'floor.log');
  const {
    child: floor,
    stdout,
    stderr,
    log,
  } = spawnNode(
    [...relayNodeFlags(), await floorBundle(), `--concurrency=${String(options.concurrency)}`],
    { ...process.env, KUBECONFIG: options.plane.kubeconfigPath },
    logPath,
    'the floor',
  );
  stdout.pipe(log);
  stderr.pipe(log);
  // A send to a floor that exited fails here; the burst then does not converge and says so.
  floor.on('error', (error) =>
    log.write(`${JSON.stringify({ msg: 'floor IPC failed', error: error.message })}\n`),
  );
  let writes = 0;
  let failedWrites = 0;
  const ready = new Promise<boolean>((resolve) => {
    floor.on('message', (message) => {
      const report = FloorReport.safeParse(message);
      if (!report.success) return;
      if (report.data.type === 'ready') resolve(true);
      else {
        writes += report.data.writes;
        failedWrites += report.data.failed;
      }
    });
    floor.once('exit', () => {
      resolve(false);
    });
  });
  const stop = async () => {
    await terminate(floor);
    log.end();
  };
  if (!(await Promise.race([ready, sleep(60_000).then(() => false)]))) {
    await stop();
    throw new SystemStartFailed('floor', 'the floor client did not report ready within 60 s', logPath);
  }
  return {
    name: 'floor',
    parts: { floor: [floor.pid ?? 0] },
    reconciles() {
      return Promise.resolve({ total: 0, failed: 0, writes, failedWrites });
    },
    created(website) {
      floor.send(floorCreated(website));
    },
    stop,
  };
}

/** Several running systems measured as one: process trees gathered by part, reconciles summed, stopped together. */
export function combined(name: SystemName, systems: readonly RunningSystem[]): RunningSystem {
  const parts: Record<string, number[]> = {};
  for (const system of systems)
    for (const [part, pids] of Object.entries(system.parts)) (parts[part] ??= []).push(...pids);
  return {
    name,
    parts,
    async reconciles() {
      const each = await Promise.all(systems.map((s) => s.reconciles()));
      return {
        total: each.reduce((sum, r) => sum + r.total, 0),
        failed: each.reduce((sum, r) => sum + r.failed, 0),
      };
    },
    async stop() {
      await Promise.all(systems.map((s) => s.stop()));
    },
  };
}
