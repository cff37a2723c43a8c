// `npm start`: the main job locally — control plane (or $KUBECONFIG), worker in workerd, relay, example reconcilers.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stop as stopEsbuild } from 'esbuild';
import { builtHash } from '../reconcilers/pipeline/cache.ts';
import { buildReconcilers } from '../reconcilers/pipeline/pipeline.ts';
import { stopToolchain } from '../reconcilers/pipeline/toolchain.ts';
import { createLogger } from '../relay/observe/log.ts';
import { MSG_EXEC_PLUGIN_RAN } from '../relay/process.ts';
import { startRelay } from '../relay/relay.ts';
import { parseStartArgs, USAGE, UsageError } from './args.ts';
import type { StartOptions } from './args.ts';
import { embeddedCluster, fromKubeconfig } from './cluster.ts';
import type { LocalCluster } from './cluster.ts';
import { DEFAULT_NODES } from '../cluster/index.ts';
import { applyDemo, describeWorker, removeDemo } from './demo.ts';
import { demoHookUrl } from './hooks.ts';
import { Manifests } from './kube.ts';
import type { Descriptor, KindRef } from '../src/protocol/schemas.ts';
import type { Output } from './output.ts';
import { createOutput } from './output.ts';
import { buildProgress, clusterProgress } from './progress.ts';
import { reconcileLine } from './reconcile-line.ts';
import { MSG_STOP_DONE, Session } from './session.ts';
import type { LocalWorker } from './worker.ts';
import { startLocalWorker } from './worker.ts';
import { nextSteps } from './next-steps.ts';
import { startLivePage } from './live/server.ts';
import { startDevLoop } from './dev-loop.ts';
import { errorMessage } from '../src/error-message.ts';

let options: StartOptions | 'help';
try {
  options = parseStartArgs(process.argv.slice(2), process.env);
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`npm start: ${error.message}\n\n${USAGE}`);
  process.exit(2);
}
if (options === 'help') {
  process.stdout.write(USAGE);
  process.exit(0);
}

const opts = options;
const out = createOutput({ logFile: opts.logFile, verbose: opts.verbose });
/** The JSON log (the relay's lines too): into the log file, on stderr with --verbose. */
const log = createLogger({
  write: (line) => {
    out.json(line);
  },
});
const session = new Session(
  (what, error) => {
    out.warn(`could not stop ${what}: ${errorMessage(error)}`);
  },
  (what, ms) => {
    log.info(MSG_STOP_DONE, { what, ms });
  },
);
let worker: LocalWorker | undefined;
/** The run's temp dir (the worker's env file and state). */
let tempDir: string | undefined;
/** How long the relay lets in-flight reconciles finish on Ctrl-C. */
const RELAY_STOP_DEADLINE_MS = 1_000;
let exiting: Promise<never> | undefined;

/**
 * How long Ctrl-C may take once the demo resources on a given cluster are deleted (that waits for the
 * cluster): what still runs after it is killed (the worker's process group; the control plane by its exit
 * hook, which also deletes its temp dir).
 */
const STOP_DEADLINE_MS = 2_500;
/** Settles when the demo resources are deleted (at once when there are none to delete). */
let demoRemoved: Promise<void> = Promise.resolve();

/** Stops everything (once) and exits with `code`. */
function shutdown(code: number): Promise<never> {
  exiting ??= (async () => {
    const started = performance.now();
    const stopped = session.stop().then(() => true);
    await Promise.race([stopped, demoRemoved]);
    const inTime = await Promise.race([stopped, sleep(STOP_DEADLINE_MS, false, { ref: false })]);
    if (!inTime) {
      out.warn(
        `zeroloop: ${session.stopping().join(', ')} still stopping after ${String(STOP_DEADLINE_MS)} ms; killing what is left`,
      );
      worker?.killNow();
      if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
    }
    const ms = `${String(Math.round(performance.now() - started))} ms`;
    out.say(code === 0 ? `zeroloop: stopped in ${ms}.` : `zeroloop: stopped after an error in ${ms}.`);
    await out.close();
    process.exit(code);
  })();
  return exiting;
}

let firstSignalAt: number | undefined;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (firstSignalAt !== undefined) {
      // One Ctrl-C arrives twice under npm: from the terminal (the whole foreground group) and forwarded by npm.
      if (Date.now() - firstSignalAt < 1_000) return;
      // Second signal: no more waiting. The control plane's exit hook SIGKILLs its processes.
      worker?.killNow();
      process.exit(130);
    }
    firstSignalAt = Date.now();
    out.say(`\nzeroloop: ${signal}, stopping (again to force)…`);
    void shutdown(0);
  });
}

try {
  await run();
} catch (error) {
  if (!session.isStopping()) {
    out.warn(
      `\nnpm start failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    );
    out.warn(`(full log: ${out.logFile})`);
    await shutdown(1);
  }
}

async function run(): Promise<void> {
  out.say(`zeroloop: starting (JSON logs: ${out.logFile})`);
  const dir = await mkdtemp(join(tmpdir(), 'zeroloop-start-'));
  tempDir = dir;
  session.add('the temp dir', () => rm(dir, { recursive: true, force: true }));
  session.add('the build toolchain', stopToolchain, { concurrent: true });
  // A given kubeconfig is checked first: a typo should fail before anything starts.
  const given =
    opts.kubeconfig !== undefined
      ? await fromKubeconfig(opts.kubeconfig, {
          explicit: opts.kubeconfigExplicit,
          ...(opts.context !== undefined ? { context: opts.context } : {}),
          onExecRun: (run) => {
            log.info(MSG_EXEC_PLUGIN_RAN, run);
          },
        })
      : undefined;
  if (given !== undefined) {
    const { context, proxy, auth } = given.restConfig;
    out.say(
      `cluster: using ${given.server} from ${given.kubeconfigPath}` +
        (context !== undefined ? ` (context ${context})` : '') +
        (auth.type === 'exec' ? `, credentials from exec plugin ${auth.credentials.config.command}` : '') +
        (proxy !== undefined ? `, through proxy ${redactUrl(proxy.url)} (${proxy.from})` : ''),
    );
  }
  const secret = randomBytes(32).toString('hex');

  // The cluster and the worker start side by side; both must be up before anything is applied.
  const [clusterResult, workerResult] = await Promise.allSettled([
    given !== undefined ? Promise.resolve(given) : startCluster(out),
    (async () => {
      out.say('reconcilers: building (incremental)…');
      // `--watch` (zeroloop dev): only the watched reconcilers are built, so a fresh clone needs no Go
      // for the Go example, and the worker serves what is built.
      await buildReconcilers({ log: buildProgress(out), only: opts.watch });
      // The pipeline's esbuild service process is not needed any more; it would outlive a quick exit.
      await stopEsbuild();
      out.say('worker: starting wrangler dev (workerd) on 127.0.0.1…');
      const started = await startLocalWorker({ secret, dir, logPath: workerLogPath(out.logFile) });
      worker = started;
      out.say(`worker: ready at ${started.url}`);
      // The worker and the control plane stop side by side: neither needs the other to go.
      session.add('the worker', () => started.stop(), { concurrent: true });
      void started.exited.then(() => {
        if (exiting !== undefined) return;
        out.warn(`worker: wrangler dev exited on its own (log ${started.logPath})`);
        void shutdown(1);
      });
      return started;
    })(),
  ]);
  if (clusterResult.status === 'rejected') throw clusterResult.reason;
  if (workerResult.status === 'rejected') throw workerResult.reason;
  if (session.isStopping()) return;
  const cluster = clusterResult.value;
  const local = workerResult.value;

  const all = await describeWorker(local.url, secret);
  const missing = opts.watch.filter((name) => !all.some((d) => d.name === name));
  if (missing.length > 0)
    throw new Error(
      `no reconciler ${missing.join(', ')} in the worker (it runs ${all.map((d) => d.name).join(', ')}): check the name, or create it with \`npx zeroloop new\``,
    );
  // `--watch`: only the watched reconcilers run (their CRDs, Reconcilers and samples).
  const descriptors = opts.watch.length === 0 ? all : all.filter((d) => opts.watch.includes(d.name));
  const manifests = new Manifests(cluster.restConfig, { fieldManager: 'zeroloop-start' });
  const demo = await applyDemo({
    manifests,
    namespace: opts.namespace,
    workerUrl: local.url,
    secret,
    descriptors,
    allNamespaces: cluster.plane !== undefined,
    progress: (line) => {
      out.say(`demo: ${line}`);
    },
  });
  if (session.isStopping()) return;

  const relay = await startRelay({
    restConfig: cluster.restConfig,
    metricsPort: 0,
    metricsHost: '127.0.0.1',
    reconcilerSelector: demo.selector,
    record: { dir: opts.recordDir, all: opts.recordAll, buildHash: builtHash },
    log,
    // One readable line per finished reconcile, from the relay's typed record.
    onReconcile: (record) => {
      out.say(reconcileLine(record, (name) => demo.kinds.get(name)));
    },
  });
  // Ctrl-C of a local run: a reconcile in flight is not worth waiting 10 s for (the relay's default); it
  // runs again on the next start, as after any stop.
  session.add('the relay', () => relay.stop(RELAY_STOP_DEADLINE_MS));
  // The live page watches the relay's reconcile observers; it stops before the relay (stops run last-added first).
  const page = await startLivePage({ source: relay.manager });
  session.add('the live page', () => page.close());
  if (opts.watch.length > 0) {
    const loop = startDevLoop({
      names: opts.watch,
      manager: relay.manager,
      workerLogPath: local.logPath,
      say: (line) => {
        out.say(line);
      },
      buildLog: buildProgress(out),
    });
    session.add('the file watchers', () => {
      loop.stop();
      return Promise.resolve();
    });
  }
  if (cluster.plane === undefined && !opts.keep) {
    // Runs before the relay stops (stops run last-added first), so finalizers can complete.
    let removed = (): void => undefined;
    demoRemoved = new Promise<void>((resolve) => (removed = resolve));
    session.add('the demo resources', async () => {
      out.say(
        `zeroloop: deleting namespace ${opts.namespace} and the demo Reconcilers (--keep leaves them)…`,
      );
      const gone = await removeDemo(manifests, opts.namespace, [...demo.kinds.keys()], 30_000).finally(
        removed,
      );
      if (!gone)
        out.warn(`namespace ${opts.namespace} is still terminating; check: kubectl get ns ${opts.namespace}`);
    });
  }
  const metricsUrl = `${relay.url ?? ''}/metrics`;
  const hook = demo.hooked !== undefined ? await demoHookUrl(manifests, demo.hooked, local.url) : undefined;
  out.say(
    nextSteps({
      kubeconfigPath: cluster.kubeconfigPath,
      ...(opts.context !== undefined ? { context: opts.context } : {}),
      embedded: cluster.plane !== undefined,
      nodes: cluster.plane?.nodes ?? [],
      metricsUrl,
      livePageUrl: page.url,
      workerUrl: local.url,
      logFile: out.logFile,
      workerLogFile: local.logPath,
      namespace: opts.namespace,
      samples: demo.samples,
      ...(await resourceNames(manifests, descriptors)),
      allNamespaces: cluster.plane !== undefined,
      ...(hook && { hook }),
    }),
  );
}

/** The resource names (plurals) of the reconcilers' primary and owned kinds, as the apiserver's discovery has them. */
async function resourceNames(
  manifests: Manifests,
  descriptors: readonly Descriptor[],
): Promise<{ primaries: { kind: string; plural: string }[]; owned: string[] }> {
  const plural = async (ref: KindRef): Promise<string | undefined> =>
    manifests.resource(ref.apiVersion, ref.kind).then(
      (r) => r.plural,
      () => undefined,
    );
  const primaries: { kind: string; plural: string }[] = [];
  const owned: string[] = [];
  for (const d of descriptors) {
    const name = await plural(d.primary);
    if (name !== undefined) primaries.push({ kind: d.primary.kind, plural: name });
    for (const o of d.owns) {
      const ownedName = await plural(o);
      if (ownedName !== undefined && !owned.includes(ownedName)) owned.push(ownedName);
    }
  }
  return { primaries, owned };
}

/** A proxy URL without its password, for printing. */
function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.href;
}

/** wrangler's log sits beside the JSON log: `x.log` → `x.worker.log`. */
function workerLogPath(logFile: string): string {
  return logFile.endsWith('.log') ? `${logFile.slice(0, -4)}.worker.log` : `${logFile}.worker.log`;
}

async function startCluster(output: Output): Promise<LocalCluster> {
  output.say(
    'cluster: starting the local control plane (etcd, kube-apiserver, kube-controller-manager, ' +
      `kube-scheduler, kwok with ${String(DEFAULT_NODES)} fake nodes)…`,
  );
  const started = Date.now();
  const cluster = await embeddedCluster(clusterProgress(output));
  const plane = cluster.plane;
  if (plane !== undefined) {
    session.add('the control plane', () => plane.stop(), { concurrent: true });
    void plane.crashed.then((crash) => {
      if (exiting !== undefined) return;
      output.warn(`cluster: ${crash.component} exited on its own (log ${crash.logPath})`);
      void shutdown(1);
    });
    output.say(
      `cluster: Kubernetes ${plane.version} ready at ${plane.server} with nodes ${plane.nodes.join(', ')} ` +
        `in ${String(Date.now() - started)} ms`,
    );
  }
  return cluster;
}
