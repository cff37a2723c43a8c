// Starts a real etcd + kube-apiserver + kube-controller-manager (and, with workloads, kube-scheduler + kwok) on loopback.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBinaries } from './build.ts';
import type { Binaries } from './build.ts';
import {
  apiserverArgs,
  controllerManagerArgs,
  etcdArgs,
  kwokArgs,
  layout,
  schedulerArgs,
} from './components.ts';
import type { Layout, Ports } from './components.ts';
import { newSigningKey, newToken, renderTokenFile } from './credentials.ts';
import { ProcessStartFailed, ReadinessTimeout } from './errors.ts';
import { renderKubeconfig } from './kubeconfig.ts';
import { checkNodeCount, createWorkloadObjects, DEFAULT_NODES, nodesReady } from './nodes.ts';
import { freePorts } from './ports.ts';
import { ChildExited, httpsGet, waitFor, WaitTimedOut } from './probe.ts';
import { startChild } from './process.ts';
import type { Child } from './process.ts';
import { OWNER_FILE, removeDirNow, sweepStale, TEMP_PREFIX, track } from './reaper.ts';
import { errorMessage } from '../src/error-message.ts';
import { stderrLogger, type Logger } from '../relay/observe/log.ts';

export interface ControlPlaneOptions {
  readonly logger?: Logger;
  /** Prebuilt binaries; by default `ensureBinaries()` (which builds on first use). */
  readonly binaries?: Binaries;
  /** Deadline for the whole start, after the binaries exist. Default 90 s. */
  readonly startTimeoutMs?: number;
  /** How long each process gets between SIGTERM and SIGKILL on stop. Default 10 s. */
  readonly stopGraceMs?: number;
  /** Parent of the temp dir. Default `os.tmpdir()`. */
  readonly tmpRoot?: string;
  /** Keep the temp dir (logs, etcd data) after stop, for debugging. Default: env ZEROLOOP_KEEP_CLUSTER=1. */
  readonly keepDir?: boolean;
  /**
   * Stop the plane and exit (130/143/129) on SIGINT/SIGTERM/SIGHUP. Default true. Pass false when the caller
   * runs its own shutdown and calls `stop()`; the exit hook still kills the children if the process exits.
   */
  readonly handleSignals?: boolean;
  /** More kube-apiserver flags (a test turns on audit logging with them); kept across restartApiserver. */
  readonly apiserverExtraArgs?: readonly string[];
  /**
   * Run workloads: kube-scheduler, kwok with `nodes` fake nodes (Pods get scheduled, turn Running and Ready),
   * and kube-controller-manager's default controllers (deployment, statefulset, job, endpointslice, …).
   * Default false: the light plane (garbage collector, namespace and service-account controllers only).
   */
  readonly workloads?: boolean;
  /** Fake nodes with workloads, 1–100. Default 3. */
  readonly nodes?: number;
}

export interface ControlPlane {
  /** `<dir>/kubeconfig`: admin (system:masters) credentials for the cluster. */
  readonly kubeconfigPath: string;
  /** The API server URL, `https://127.0.0.1:<port>`. */
  readonly server: string;
  /** The admin bearer token (also in the kubeconfig), e.g. for curl. */
  readonly adminToken: string;
  /** The PEM bundle that verifies the server certificate (also in the kubeconfig). */
  readonly caPem: string;
  /** The temp dir holding data, credentials and `logs/<component>.log`. */
  readonly dir: string;
  readonly version: string;
  /** Process ids; kubeScheduler and kwok are 0 on a plane without workloads. */
  readonly pids: Readonly<
    Record<'etcd' | 'kubeApiserver' | 'kubeControllerManager' | 'kubeScheduler' | 'kwok', number>
  >;
  /** Whether Pods run (scheduler, kwok, fake nodes); see ControlPlaneOptions.workloads. */
  readonly workloads: boolean;
  /** The fake nodes' names (empty without workloads). */
  readonly nodes: readonly string[];
  /** Settles if a component exits on its own after the start (never, in a healthy run). */
  readonly crashed: Promise<ComponentCrash>;
  /** The last lines of each component's log, for failure reports. */
  logTails(lines?: number): string;
  /**
   * Restarts kube-apiserver on the same port with the same flags, and with `etcd: true` etcd too (its
   * data kept), as an apiserver rollout or a control-plane reboot would; resolves once `/readyz` is ok
   * again. The kubeconfig stays valid (the serving certificate in the cert dir is reused);
   * kube-controller-manager keeps running and reconnects. `pids` follows the new processes.
   */
  restartApiserver(options?: { readonly etcd?: boolean }): Promise<void>;
  /** Stops the processes (SIGTERM, then SIGKILL after the grace period) and removes the temp dir. Idempotent. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface ComponentCrash {
  readonly component: string;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly logPath: string;
}

const ADMIN_USER = 'zeroloop-admin';
const MAX_ATTEMPTS = 3;

/**
 * Starts a control plane and resolves once it is usable: `/readyz` is ok and the `default` ServiceAccount
 * exists (which proves kube-controller-manager is running its controllers); with workloads, also every fake
 * node is Ready. On any failure everything started so far is stopped and removed, and the error carries the
 * components' log tails.
 */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  if (options.nodes !== undefined) checkNodeCount(options.nodes);
  const log = options.logger ?? stderrLogger('cluster');
  const tmpRoot = options.tmpRoot ?? tmpdir();
  const swept = await sweepStale(tmpRoot);
  if (swept.length > 0) log.info('controlplane.swept', { dirs: swept });
  const binaries = options.binaries ?? (await ensureBinaries({ logger: log }));
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(binaries, tmpRoot, log, options);
    } catch (error) {
      // Free ports are picked, then released, then bound by the children: another process can win the race.
      if (
        attempt < MAX_ATTEMPTS &&
        error instanceof ProcessStartFailed &&
        error.message.includes('address already in use')
      ) {
        log.warn('controlplane.port-race', { attempt });
        continue;
      }
      throw error;
    }
  }
}

async function startOnce(
  binaries: Binaries,
  tmpRoot: string,
  log: Logger,
  options: ControlPlaneOptions,
): Promise<ControlPlane> {
  const started = Date.now();
  const deadline = started + (options.startTimeoutMs ?? 90_000);
  const graceMs = options.stopGraceMs ?? 10_000;
  const keepDir = options.keepDir ?? process.env.ZEROLOOP_KEEP_CLUSTER === '1';
  const dir = await mkdtemp(join(tmpRoot, TEMP_PREFIX));
  const l = layout(dir);
  const children: Child[] = [];
  let stopping: Promise<void> | undefined;

  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      // Reverse start order: kwok, the scheduler, the controller manager, then the API server, then etcd.
      for (const child of [...children].reverse()) await child.stop(graceMs);
      if (!keepDir) await rm(dir, { recursive: true, force: true });
      untrack();
      log.info('controlplane.stopped', { dir, kept: keepDir });
    })());
  const untrack = track(
    {
      stop,
      stopNow: () => {
        for (const child of children) child.killNow();
        if (!keepDir) removeDirNow(dir);
      },
    },
    { signals: options.handleSignals ?? true },
  );

  try {
    await writeFile(join(dir, OWNER_FILE), String(process.pid));
    await mkdir(l.logs);
    await mkdir(l.certDir, { mode: 0o700 });
    const workloads = options.workloads ?? false;
    const nodeCount = options.nodes ?? DEFAULT_NODES;
    const adminToken = newToken();
    const controllerManagerToken = newToken();
    const schedulerToken = newToken();
    const kwokToken = newToken();
    const signingKey = await newSigningKey();
    await writeFile(
      l.tokenFile,
      renderTokenFile([
        { token: adminToken, user: ADMIN_USER, uid: ADMIN_USER, groups: ['system:masters'] },
        {
          token: controllerManagerToken,
          user: 'system:kube-controller-manager',
          uid: 'system:kube-controller-manager',
          groups: ['system:masters'],
        },
        // Used only with workloads; each component acts as its own user, so audit and logs tell them apart.
        {
          token: schedulerToken,
          user: 'system:kube-scheduler',
          uid: 'system:kube-scheduler',
          groups: ['system:masters'],
        },
        { token: kwokToken, user: 'kwok-controller', uid: 'kwok-controller', groups: ['system:masters'] },
      ]),
      { mode: 0o600 },
    );
    await writeFile(l.saPrivateKey, signingKey.privateKeyPem, { mode: 0o600 });
    await writeFile(l.saPublicKey, signingKey.publicKeyPem);
    const [etcdClient = 0, etcdPeer = 0, apiserver = 0] = await freePorts(3);
    const ports: Ports = { etcdClient, etcdPeer, apiserver };
    const server = `https://127.0.0.1:${ports.apiserver}`;
    log.info('controlplane.starting', {
      dir,
      server,
      version: binaries.pins.kubernetes,
      workloads,
      nodes: workloads ? nodeCount : 0,
    });

    // etcd and the API server start together: the API server retries etcd until it answers.
    const startEtcd = () => spawnComponent(l, 'etcd', binaries.etcd, etcdArgs(l, ports));
    const startApiserver = () =>
      spawnComponent(l, 'kube-apiserver', binaries.kubeApiserver, [
        ...apiserverArgs(l, ports),
        ...(options.apiserverExtraArgs ?? []),
      ]);
    children.push(await startEtcd());
    children.push(await startApiserver());
    // kube-apiserver writes a self-signed bundle (leaf + CA) into its cert dir at start: our trust anchor.
    // Re-read it on every probe, so a half-written file only costs one more round.
    let caPem = '';
    await waitFor(
      'kube-apiserver /readyz',
      async () => {
        caPem = await readFile(l.servingCert, 'utf8');
        return (await httpsGet(`${server}/readyz`, { ca: caPem, token: adminToken })).status === 200;
      },
      { deadline, children },
    );
    log.info('controlplane.apiserver.ready', { elapsedMs: Date.now() - started });

    const kubeconfigYaml = renderKubeconfig({
      name: 'zeroloop',
      server,
      caPem,
      user: ADMIN_USER,
      token: adminToken,
    });
    await writeFile(l.kubeconfig, kubeconfigYaml, { mode: 0o600 });
    const componentKubeconfig = (path: string, user: string, token: string) =>
      writeFile(path, renderKubeconfig({ name: 'zeroloop', server, caPem, user, token }), { mode: 0o600 });
    await componentKubeconfig(
      l.controllerManagerKubeconfig,
      'system:kube-controller-manager',
      controllerManagerToken,
    );
    children.push(
      await spawnComponent(
        l,
        'kube-controller-manager',
        binaries.kubeControllerManager,
        controllerManagerArgs(l, workloads),
      ),
    );
    if (workloads) {
      await componentKubeconfig(l.schedulerKubeconfig, 'system:kube-scheduler', schedulerToken);
      await componentKubeconfig(l.kwokKubeconfig, 'kwok-controller', kwokToken);
      children.push(
        await spawnComponent(l, 'kube-scheduler', binaries.kubeScheduler, schedulerArgs(l)),
        await spawnComponent(l, 'kwok', binaries.kwok, kwokArgs(l)),
      );
    }
    // The default ServiceAccount is made by kube-controller-manager's serviceaccount controller.
    await waitFor(
      'the default ServiceAccount (kube-controller-manager running)',
      async () =>
        (
          await httpsGet(`${server}/api/v1/namespaces/default/serviceaccounts/default`, {
            ca: caPem,
            token: adminToken,
          })
        ).status === 200,
      { deadline, children },
    );

    let nodes: string[] = [];
    if (workloads) {
      const api = { server, ca: caPem, token: adminToken };
      nodes = await createWorkloadObjects(api, nodeCount);
      await waitFor(`${String(nodeCount)} fake nodes Ready (kwok running)`, () => nodesReady(api, nodes), {
        deadline,
        children,
      });
      log.info('controlplane.nodes.ready', { elapsedMs: Date.now() - started, nodes });
    }
    const pids = { etcd: 0, kubeApiserver: 0, kubeControllerManager: 0, kubeScheduler: 0, kwok: 0 };
    const notePids = () => {
      const [etcd, kubeApiserver, kubeControllerManager, kubeScheduler, kwok] = children;
      pids.etcd = etcd?.pid ?? 0;
      pids.kubeApiserver = kubeApiserver?.pid ?? 0;
      pids.kubeControllerManager = kubeControllerManager?.pid ?? 0;
      pids.kubeScheduler = kubeScheduler?.pid ?? 0;
      pids.kwok = kwok?.pid ?? 0;
    };
    notePids();
    // Children stopped by restartApiserver() exit on purpose: that is no crash.
    const replaced = new WeakSet<Child>();
    let reportCrash: (crash: ComponentCrash) => void = () => undefined;
    const crashed = new Promise<ComponentCrash>((resolve) => (reportCrash = resolve));
    const watchCrash = (child: Child) => {
      void child.exited.then((exit) => {
        if (stopping !== undefined || replaced.has(child)) return;
        log.error('controlplane.child.exited', {
          component: child.name,
          ...exit,
          logTail: child.logTail(20),
        });
        reportCrash({ component: child.name, ...exit, logPath: child.logPath });
      });
    };
    for (const child of children) watchCrash(child);
    const restartApiserver = async (restart: { readonly etcd?: boolean } = {}): Promise<void> => {
      if (stopping !== undefined) throw new Error('restartApiserver: the control plane is stopped');
      const begun = Date.now();
      // Indexes in `children` (start order); stopped in reverse, so the apiserver goes before etcd.
      const steps: [number, () => Promise<Child>][] = restart.etcd
        ? [
            [0, startEtcd],
            [1, startApiserver],
          ]
        : [[1, startApiserver]];
      for (const [index] of [...steps].reverse()) {
        const child = children[index];
        if (child === undefined) continue;
        replaced.add(child);
        await child.stop(graceMs);
      }
      for (const [index, start] of steps) {
        const child = await start();
        children[index] = child;
        watchCrash(child);
      }
      notePids();
      await waitFor(
        'kube-apiserver /readyz after its restart',
        async () => (await httpsGet(`${server}/readyz`, { ca: caPem, token: adminToken })).status === 200,
        { deadline: Date.now() + (options.startTimeoutMs ?? 90_000), children },
      );
      log.info('controlplane.apiserver.restarted', {
        etcd: restart.etcd === true,
        elapsedMs: Date.now() - begun,
      });
    };
    const logTails = (lines = 40): string =>
      children.map((c) => `--- ${c.logPath}\n${c.logTail(lines)}`).join('\n');
    log.info('controlplane.ready', { elapsedMs: Date.now() - started, kubeconfig: l.kubeconfig, server });
    return {
      kubeconfigPath: l.kubeconfig,
      server,
      adminToken,
      caPem,
      dir,
      version: binaries.pins.kubernetes,
      pids,
      workloads,
      nodes,
      crashed,
      logTails,
      restartApiserver,
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    const tails = children.map((c) => `--- ${c.name} (${c.logPath}):\n${c.logTail(30)}`).join('\n');
    await stop();
    throw startError(error, tails);
  }
}

function startError(error: unknown, tails: string): Error {
  const message = errorMessage(error);
  if (error instanceof ChildExited) {
    return new ProcessStartFailed(
      `step start-control-plane: ${message}\n${tails}`,
      'read the component log above; "address already in use" means a port race (retried automatically)',
      { cause: error },
    );
  }
  if (error instanceof WaitTimedOut) {
    return new ReadinessTimeout(
      `step start-control-plane: ${message}\n${tails}`,
      'the machine may be overloaded; raise startTimeoutMs or read the component logs above',
      { cause: error },
    );
  }
  return new ProcessStartFailed(`step start-control-plane: ${message}\n${tails}`, 'read the error above', {
    cause: error,
  });
}

function spawnComponent(l: Layout, name: string, command: string, args: string[]): Promise<Child> {
  return startChild({ name, command, args, logPath: join(l.logs, `${name}.log`) });
}
