// Unit tests of the directory lock: mutual exclusion and stale-lock recovery.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { processAlive, withDirLock } from './lock.ts';

const scratch = await mkdtemp(join(tmpdir(), 'zeroloop-lock-test-'));
after(() => rm(scratch, { recursive: true, force: true }));

test('withDirLock should never run two holders at once', async () => {
  const lock = join(scratch, 'a.lock');
  let inside = 0;
  let maxInside = 0;
  const holder = () =>
    withDirLock(
      lock,
      async () => {
        inside++;
        maxInside = Math.max(maxInside, inside);
        await sleep(30);
        inside--;
      },
      () => undefined,
      5,
    );
  // Same process, so the pid check sees a live owner: waiters poll until the holder is done.
  await Promise.all([holder(), holder(), holder()]);
  assert.equal(maxInside, 1);
});

test('withDirLock should take over a lock whose owner is dead', async () => {
  const lock = join(scratch, 'stale.lock');
  const dead = spawnSync('true').pid;
  assert.ok(!processAlive(dead));
  await mkdir(lock);
  await writeFile(join(lock, 'pid'), String(dead));
  const result = await withDirLock(lock, () => Promise.resolve('ran'));
  assert.equal(result, 'ran');
});
