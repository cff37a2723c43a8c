// A cross-process lock made of a directory holding the owner's pid, with stale-lock recovery.
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** True when a process with this pid exists (signal 0 probes without killing). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `fn` while holding the lock at `path` (a directory created atomically with mkdir). If another live
 * process holds it, waits, calling `onWait` about every `pollMs`. A lock whose owner died is removed.
 * The caller re-checks its own condition after acquiring (another process may have done the work).
 */
export async function withDirLock<T>(
  path: string,
  fn: () => Promise<T>,
  onWait: (ownerPid: number) => void = () => undefined,
  pollMs = 1000,
): Promise<T> {
  for (;;) {
    try {
      await mkdir(path);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number.parseInt(await readFile(join(path, 'pid'), 'utf8').catch(() => ''), 10);
    if (Number.isInteger(owner) && processAlive(owner)) {
      onWait(owner);
      await sleep(pollMs);
    } else if (Number.isInteger(owner) || (await lockAgeMs(path)) > 10_000) {
      // Owner is gone (or never wrote its pid within 10 s): the lock is stale.
      await rm(path, { recursive: true, force: true });
    } else {
      await sleep(100);
    }
  }
  try {
    await writeFile(join(path, 'pid'), String(process.pid));
    return await fn();
  } finally {
    await rm(path, { recursive: true, force: true });
  }
}

async function lockAgeMs(path: string): Promise<number> {
  try {
    return Date.now() - (await stat(path)).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}
