// Runs `node relay/main.ts` as a child process, as a Deployment would: its started record, JSON log lines and metrics.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { relayStarted } from '../../relay/observe/started.ts';
import { eventually } from './kube.ts';
import { sumMetric } from './relay-env.ts';

const MAIN = fileURLToPath(new URL('../../relay/main.ts', import.meta.url));

export interface RelayProcessOptions {
  /** The relay's kubeconfig; without it, `env` must give the in-cluster configuration. */
  kubeconfigPath?: string;
  /** The command that runs the relay (default: this Node on relay/main.ts), e.g. a built image tree's. */
  command?: readonly [string, ...string[]];
  /** The working directory of `command` (an image's WORKDIR). */
  cwd?: string;
  /** RECONCILER_SELECTOR: which Reconcilers this relay runs. */
  selector: string;
  /** More environment (e.g. WATCH_STALL_MS). */
  env?: Record<string, string>;
  /**
   * The observe server's port on 127.0.0.1, when the caller fixes it (METRICS_PORT). Without it the relay
   * picks a free one and reports it in its RelayStarted record, over an IPC channel that a command clearing
   * the environment (`env -i`) would cut.
   */
  metricsPort?: number;
}

export interface RelayProcess {
  readonly child: ChildProcess;
  /** Every JSON log line so far, parsed. */
  readonly lines: Record<string, unknown>[];
  /** `http://127.0.0.1:<port>` of /metrics, /healthz, /readyz. */
  readonly base: string;
  /** Sum of a metric's series whose labels include `labels`. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  /** Sends `signal` and resolves with the exit once the process is gone. */
  kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the relay process and resolves once /readyz is 200 (its caches synced). */
export async function startRelayProcess(options: RelayProcessOptions): Promise<RelayProcess> {
  const [file, ...args] = options.command ?? [process.execPath, MAIN];
  const child = spawn(file, args, {
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    env: {
      ...process.env,
      // Empty: no kubeconfig, so the relay takes the in-cluster configuration.
      KUBECONFIG: options.kubeconfigPath ?? '',
      METRICS_PORT: String(options.metricsPort ?? 0),
      METRICS_HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      RECONCILER_SELECTOR: options.selector,
      ...options.env,
    },
    // The IPC channel carries the relay's RelayStarted record (relay/observe/started.ts).
    stdio: ['ignore', 'pipe', 'inherit', ...(options.metricsPort === undefined ? ['ipc' as const] : [])],
  });
  const started =
    options.metricsPort === undefined
      ? relayStarted(child).then((record) => record.url)
      : Promise.resolve(`http://127.0.0.1:${String(options.metricsPort)}`);
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const lines: Record<string, unknown>[] = [];
  // Piped (stdio[1]); the type cannot say so once the IPC channel makes stdio four long.
  if (child.stdout === null) throw new Error('the relay process has no stdout pipe');
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  try {
    const base = await started;
    await eventually('the relay /readyz 200', async () =>
      (await fetch(`${base}/readyz`)).status === 200 ? true : undefined,
    );
    return {
      child,
      lines,
      base,
      metric: async (name, labels = {}) =>
        sumMetric(await (await fetch(`${base}/metrics`)).text(), name, labels),
      kill: async (signal) => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        const [code, sig] = await exited;
        return { code, signal: sig };
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}
