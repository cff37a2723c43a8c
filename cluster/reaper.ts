// Makes sure no control plane outlives its owner: signal and exit hooks, plus a sweep of stale temp dirs.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive } from './lock.ts';

/** What the reaper needs from a running control plane. */
export interface Reapable {
  /** Graceful, ordered stop (used on SIGINT/SIGTERM/SIGHUP). */
  stop(): Promise<void>;
  /** Last resort inside `process.on('exit')`: SIGKILL the children and delete the temp dir, synchronously. */
  stopNow(): void;
}

/** Temp dirs of control planes are named `<tmpdir>/zeroloop-cp-XXXXXX` and hold `owner.pid`. */
export const TEMP_PREFIX = 'zeroloop-cp-';
export const OWNER_FILE = 'owner.pid';

const live = new Set<Reapable>();
/** The planes whose owner wants SIGINT/SIGTERM/SIGHUP handled here (see `track`). */
const signalled = new Set<Reapable>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const EXIT_CODES: Record<(typeof SIGNALS)[number], number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
/** When the first signal arrived (0: none yet). */
let firstSignalAt = 0;
/**
 * A terminal's Ctrl-C under `npm run` reaches us twice (from the terminal and forwarded by npm), so only a
 * signal that comes this much later means "stop waiting".
 */
const DUPLICATE_SIGNAL_MS = 1000;

function onSignal(signal: (typeof SIGNALS)[number]): void {
  if (firstSignalAt !== 0) {
    if (Date.now() - firstSignalAt < DUPLICATE_SIGNAL_MS) return;
    // A later, deliberate second signal: stop waiting for the graceful shutdown.
    stopAllNow();
    process.exit(EXIT_CODES[signal]);
  }
  firstSignalAt = Date.now();
  void Promise.allSettled([...signalled].map((plane) => plane.stop())).then(() => {
    process.exit(EXIT_CODES[signal]);
  });
}

function stopAllNow(): void {
  for (const plane of live) plane.stopNow();
  live.clear();
  signalled.clear();
}

/**
 * Registers a running control plane. While any is registered, process exit kills whatever is left, and, unless
 * `signals` is false, SIGINT/SIGTERM/SIGHUP stop them all and then exit (130/143/129). A caller that runs its
 * own ordered shutdown (`npm start`: relay, then worker, then the plane) passes `signals: false` and stops the
 * plane itself. Returns the unregister function; the hooks are removed when their last plane unregisters, so
 * they never linger in a long-lived process.
 */
export function track(plane: Reapable, options: { signals?: boolean } = {}): () => void {
  if (live.size === 0) process.on('exit', stopAllNow);
  live.add(plane);
  if (options.signals ?? true) {
    if (signalled.size === 0) for (const signal of SIGNALS) process.on(signal, onSignal);
    signalled.add(plane);
  }
  return () => {
    live.delete(plane);
    if (live.size === 0) process.off('exit', stopAllNow);
    if (signalled.delete(plane) && signalled.size === 0) {
      for (const signal of SIGNALS) process.off(signal, onSignal);
    }
  };
}

/**
 * Removes temp dirs of control planes whose owner process is gone (for example killed with SIGKILL, which
 * no hook can catch), first killing any process still running from such a dir (identified by the dir
 * appearing in its command line). Returns the dirs removed.
 */
export async function sweepStale(root = tmpdir()): Promise<string[]> {
  const removed: string[] = [];
  const entries = await readdir(root).catch(() => []);
  for (const entry of entries.filter((e) => e.startsWith(TEMP_PREFIX))) {
    const dir = join(root, entry);
    const owner = Number.parseInt(await readFile(join(dir, OWNER_FILE), 'utf8').catch(() => ''), 10);
    if (!Number.isInteger(owner) || processAlive(owner)) continue;
    killProcessesMentioning(dir);
    await rm(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}

/** SIGKILLs every process whose command line contains `text` (Linux /proc; a no-op elsewhere). */
export function killProcessesMentioning(text: string): void {
  for (const pid of pidsMentioning(text)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** Pids of live processes whose command line contains `text` (Linux /proc; empty elsewhere). */
export function pidsMentioning(text: string): number[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return [];
  }
  return pids
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false; // gone, or not ours to read
      }
    })
    .map(Number);
}

/** Synchronous recursive delete that never throws (for exit hooks). */
export function removeDirNow(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    // Nothing more we can do at exit.
  }
}
