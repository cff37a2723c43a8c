// Runs the production worker in real workerd with `wrangler dev` (child process, loopback, offline) for `npm start`.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePorts } from '../cluster/ports.ts';
import { startChild } from '../cluster/process.ts';
import { packageDir, PROJECT_ROOT } from '../reconcilers/pipeline/paths.ts';

/** The worker did not come up; carries wrangler's log tail. */
export class WorkerStartFailed extends Error {
  override readonly name = 'WorkerStartFailed';
}

export interface LocalWorker {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly pid: number;
  readonly logPath: string;
  /** Settles if wrangler exits on its own. */
  readonly exited: Promise<unknown>;
  /** SIGTERM wrangler's process group (wrangler and workerd), SIGKILL after the grace period. */
  stop(): Promise<void>;
  /** SIGKILL the process group now (second Ctrl-C). */
  killNow(): void;
}

export interface LocalWorkerOptions {
  /** The HMAC secret the relay signs with (the worker's SIGNING_SECRET, key id `default`). */
  secret: string;
  /** A private temp dir: the env file with the secret and wrangler's state go there. */
  dir: string;
  /** wrangler's own output (its request lines and the worker's JSON logs); kept after exit. */
  logPath: string;
  startTimeoutMs?: number;
}

/**
 * `wrangler dev` rather than in-process Miniflare: it is the command a developer runs (`npm run dev:worker`),
 * it bundles with the real wrangler build, and it reloads the worker when `build/reconcilers` changes. Its
 * ~8 ms proxy hop per request does not matter for a demo. The secret goes in a 0600 env file, not argv.
 */
export async function startLocalWorker(options: LocalWorkerOptions): Promise<LocalWorker> {
  const [port = 0, inspectorPort = 0] = await freePorts(2);
  const envFile = join(options.dir, 'worker.env');
  // One key, `default`; SIGNING_KEYS is declared too (wrangler.toml), so it gets no entries rather than a warning.
  await writeFile(envFile, `SIGNING_SECRET=${options.secret}\nSIGNING_KEYS={}\n`, { mode: 0o600 });
  const logPath = options.logPath;
  const child = await startChild({
    name: 'wrangler dev',
    command: process.execPath,
    args: [
      join(packageDir('wrangler'), 'bin', 'wrangler.js'),
      'dev',
      '--config',
      join(PROJECT_ROOT, 'wrangler.toml'),
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--inspector-port',
      String(inspectorPort),
      '--env-file',
      envFile,
      '--persist-to',
      join(options.dir, 'wrangler-state'),
      '--show-interactive-dev-session=false',
    ],
    logPath,
    env: {
      ...process.env,
      // Offline: no metrics, no request.cf lookup; no update check.
      WRANGLER_SEND_METRICS: 'false',
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      // 'log' (not 'info'): its "Local server updated and ready" line after a reload is at that level (local/reload.ts).
      WRANGLER_LOG: 'log',
      NO_UPDATE_NOTIFIER: '1',
    },
  });
  const url = `http://127.0.0.1:${port}`;
  const worker: LocalWorker = {
    url,
    pid: child.pid,
    logPath,
    exited: child.exited,
    stop: async () => {
      await child.stop(5_000);
      // wrangler exits before its workerd and esbuild children: wait for the whole group.
      await groupGone(child.pid, 3_000);
    },
    killNow: () => {
      child.killNow();
    },
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exit() !== undefined) {
      throw new WorkerStartFailed(
        `wrangler dev exited during start (log ${logPath}):\n${child.logTail(30)}\nrun \`npm run dev:worker\` to see why`,
      );
    }
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return worker;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await worker.stop();
      throw new WorkerStartFailed(
        `the worker did not answer ${url}/healthz within ${options.startTimeoutMs ?? 60_000} ms (log ${logPath}):\n${child.logTail(30)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until no process of group `pgid` is left; SIGKILLs the rest after `graceMs`. */
async function groupGone(pgid: number, graceMs: number): Promise<void> {
  const deadline = Date.now() + graceMs;
  while (groupAlive(pgid)) {
    if (Date.now() > deadline) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        return;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
