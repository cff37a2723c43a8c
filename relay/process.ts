// The relay process: loads the kubeconfig, starts the relay, reports where it serves, stops gracefully on SIGTERM/SIGINT.
import { leaderElectionFromEnv, relayIdentity } from './election/env.ts';
import { loadRestConfig } from './kube/rest-config.ts';
import { createLogger, parseLevel } from './observe/log.ts';
import { reportStarted } from './observe/started.ts';
import { startRelay } from './relay.ts';

/** The messages of the process's log lines that tools and tests match. */
export const MSG_APISERVER = 'apiserver';
export const MSG_EXEC_PLUGIN_RAN = 'exec plugin ran';
export const MSG_NO_REST_CONFIG = 'cannot load how to reach the apiserver';
export const MSG_SHUTTING_DOWN = 'shutting down';
export const MSG_MEMORY_AFTER_GC = 'memory after gc';

/** Runs the relay as a process configured by `env` (relay/README.md lists the variables); exits on its own. */
export async function runRelayProcess(env: NodeJS.ProcessEnv): Promise<void> {
  const log = createLogger({ level: parseLevel(env.LOG_LEVEL) });
  // $KUBECONFIG (files merged, context $KUBECONTEXT or current-context), else in a Pod the service
  // account, else ~/.kube/config. An exec plugin runs once here: a broken one stops the relay now.
  const restConfig = await loadRestConfig(env, {
    onExecRun: (run) => {
      if (run.ok) log.info(MSG_EXEC_PLUGIN_RAN, run);
      else log.warn('exec plugin failed', run);
    },
  }).catch((error: unknown) => {
    log.error(MSG_NO_REST_CONFIG, { error });
    process.exit(1);
  });
  log.info(MSG_APISERVER, {
    server: restConfig.server,
    auth: restConfig.auth.type,
    ...(restConfig.context !== undefined ? { context: restConfig.context } : {}),
    ...(restConfig.proxy !== undefined ? { proxyFrom: restConfig.proxy.from } : {}),
  });

  // LEADER_ELECTION=true (the Deployment's setting): replicas elect a leader on a Lease; unset, this relay leads alone.
  let leaderElection: ReturnType<typeof leaderElectionFromEnv>;
  try {
    leaderElection = leaderElectionFromEnv(env);
  } catch (error) {
    log.error('invalid leader election settings', { error });
    process.exit(1);
  }

  const port = Number(env.METRICS_PORT ?? '9090');
  const deadlineMs = Number(env.SHUTDOWN_DEADLINE_MS ?? '20000');
  /** A positive integer from the environment, or undefined (the relay's default) when unset or invalid. */
  function positiveMs(name: string): number | undefined {
    const value = Number(env[name] ?? '');
    return Number.isInteger(value) && value > 0 ? value : undefined;
  }
  const watchStallMs = positiveMs('WATCH_STALL_MS');
  const apiserverUnreachableAfterMs = positiveMs('APISERVER_UNREACHABLE_AFTER_MS');
  const relay = await startRelay({
    restConfig,
    metricsPort: Number.isInteger(port) && port >= 0 ? port : 9090,
    metricsHost: env.METRICS_HOST ?? '0.0.0.0',
    log,
    userAgent: `zeroloop-relay/${relayIdentity(env)}`,
    ...(leaderElection ? { leaderElection } : {}),
    ...(env.RECONCILER_SELECTOR ? { reconcilerSelector: env.RECONCILER_SELECTOR } : {}),
    ...(watchStallMs !== undefined ? { watchStallMs } : {}),
    ...(apiserverUnreachableAfterMs !== undefined ? { apiserverUnreachableAfterMs } : {}),
  });
  // To a parent that spawned this relay with an IPC channel (tests, benchmarks): where /metrics is.
  if (relay.url !== undefined) reportStarted(relay.url);

  // As controller-runtime's managers do: a leader that could not renew exits, and comes back as a follower.
  void relay.lost.then((reason) => {
    log.error('leader election lost; exiting', { reason });
    process.exit(1);
  });

  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      log.info(MSG_SHUTTING_DOWN, { signal, deadlineMs });
      relay.stop(deadlineMs).then(
        () => process.exit(0),
        (error: unknown) => {
          log.error('shutdown failed', { error });
          process.exit(1);
        },
      );
    });
  }

  // For measuring memory, not for production: SIGUSR2 runs a full GC when node has --expose-gc, then
  // logs `memory after gc` (process.memoryUsage() in bytes). Heap snapshots need no code here:
  // node's --heapsnapshot-signal (bench/relay-memory.ts uses SIGPWR).
  process.on('SIGUSR2', () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    const heapUsedBeforeGc = process.memoryUsage().heapUsed;
    gc?.();
    log.info(MSG_MEMORY_AFTER_GC, { gc: gc !== undefined, heapUsedBeforeGc, ...process.memoryUsage() });
  });
}
