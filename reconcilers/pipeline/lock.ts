// A build lock (`build/.pipeline.lock` holding the owner's pid) so two pipeline runs never write build/ at once.
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '../../relay/observe/log.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Waits until the lock is free (a dead owner's lock is taken over) and returns its release function. */
export async function acquireLock(
  path: string,
  log: Logger,
  timeoutMs = 15 * 60_000,
): Promise<() => Promise<void>> {
  await mkdir(dirname(path), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number(await readFile(path, 'utf8').catch(() => ''));
    if (!Number.isInteger(owner) || owner <= 0 || !alive(owner)) {
      await rm(path, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `another build:reconcilers run (pid ${owner}) holds ${path}; stop it or remove the file`,
      );
    }
    if (!announced) log.info('lock.wait', { path, owner });
    announced = true;
    await new Promise((r) => setTimeout(r, 500));
  }
}
