// Knows when `wrangler dev` has reloaded the worker after a rebuild, from the lines it writes to its log.
import { open, stat } from 'node:fs/promises';

const STARTED = 'Reloading local server';
const READY = 'Local server updated and ready';

/** wrangler did not finish reloading in time: the worker may still run the old build. */
export class ReloadTimeout extends Error {
  override readonly name = 'ReloadTimeout';
}

/** The log's size now: a mark to wait for reloads after. */
export async function logMark(logPath: string): Promise<number> {
  return stat(logPath).then(
    (s) => s.size,
    () => 0,
  );
}

async function readFrom(logPath: string, mark: number): Promise<string> {
  const file = await open(logPath, 'r');
  try {
    const { size } = await file.stat();
    const buffer = Buffer.alloc(Math.max(0, size - mark));
    await file.read(buffer, 0, buffer.length, mark);
    return buffer.toString('utf8');
  } finally {
    await file.close();
  }
}

/**
 * Resolves once wrangler logged a finished reload after `mark`, and no newer reload started within
 * `quietMs` after it (a build writes several files; wrangler may reload more than once). Every file is written
 * before the wait starts, and wrangler logs a reload it queued as soon as the running one is ready, so a short
 * quiet period catches it: 50 ms (one reload per rebuild in every dev-loop bench round so far).
 */
export async function reloadedSince(
  logPath: string,
  mark: number,
  options: { quietMs?: number; timeoutMs?: number; pollMs?: number } = {},
): Promise<void> {
  const { quietMs = 50, timeoutMs = 30_000, pollMs = 20 } = options;
  const deadline = Date.now() + timeoutMs;
  let settledText: string | undefined;
  let settledAt = 0;
  for (;;) {
    const text = await readFrom(logPath, mark);
    const ready = text.lastIndexOf(READY);
    const finished = ready >= 0 && text.lastIndexOf(STARTED) < ready;
    if (!finished) settledText = undefined;
    else if (settledText !== text) {
      settledText = text;
      settledAt = Date.now();
    } else if (Date.now() - settledAt >= quietMs) return;
    if (Date.now() > deadline)
      throw new ReloadTimeout(
        `wrangler dev did not log "${READY}" within ${String(timeoutMs)} ms of the rebuild (log ${logPath})`,
      );
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
