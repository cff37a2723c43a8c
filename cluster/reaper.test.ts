// Unit tests of the stale control-plane sweep.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { OWNER_FILE, sweepStale, TEMP_PREFIX, track } from './reaper.ts';

const root = await mkdtemp(join(tmpdir(), 'zeroloop-reaper-test-'));
after(() => rm(root, { recursive: true, force: true }));

test('sweepStale should remove dirs of dead owners, kill their leftovers, and keep live ones', async () => {
  const dead = spawnSync('true').pid;
  const stale = join(root, `${TEMP_PREFIX}stale`);
  const live = join(root, `${TEMP_PREFIX}live`);
  const starting = join(root, `${TEMP_PREFIX}starting`);
  for (const dir of [stale, live, starting]) await mkdir(dir);
  await writeFile(join(stale, OWNER_FILE), String(dead));
  await writeFile(join(live, OWNER_FILE), String(process.pid));
  // An orphan whose command line names the stale dir, as etcd's --data-dir would.
  const orphan = spawn(process.execPath, ['-e', 'setTimeout(() => undefined, 30_000)', `${stale}/etcd`], {
    stdio: 'ignore',
  });
  await new Promise((resolve) => orphan.once('spawn', resolve));
  const orphanExit = new Promise((resolve) => {
    orphan.once('exit', (_code, signal) => {
      resolve(signal);
    });
  });

  const removed = await sweepStale(root);

  assert.deepEqual(removed, [stale]);
  assert.equal(existsSync(stale), false);
  assert.equal(existsSync(live), true);
  assert.equal(existsSync(starting), true, 'a dir without owner file may be starting: keep it');
  assert.equal(await orphanExit, 'SIGKILL');
});

test('track should leave signals to the caller when asked, but keep the exit hook', () => {
  const counts = (): [number, number] => [process.listenerCount('SIGINT'), process.listenerCount('exit')];
  const [sigint, exit] = counts();
  const plane = { stop: () => Promise.resolve(), stopNow: () => undefined };
  const untrackQuiet = track(plane, { signals: false });
  assert.deepEqual(counts(), [sigint, exit + 1]);
  const untrackLoud = track({ ...plane });
  assert.deepEqual(counts(), [sigint + 1, exit + 1]);
  untrackLoud();
  assert.deepEqual(counts(), [sigint, exit + 1]);
  untrackQuiet();
  assert.deepEqual(counts(), [sigint, exit]);
});
