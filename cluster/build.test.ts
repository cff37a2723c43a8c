// Unit tests of ensureBinaries' reuse and its failure messages (no compile: go is absent or the proxy is dead).
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { binaryPaths, ensureBinaries, planBinaries } from './build.ts';
import { GoToolchainMissing, ModuleDownloadFailed } from './errors.ts';
import { silentLogger } from '../relay/observe/log.ts';

const scratch = await mkdtemp(join(tmpdir(), 'zeroloop-build-test-'));
after(() => rm(scratch, { recursive: true, force: true }));

test('ensureBinaries should reuse a complete cached build without running go', async () => {
  const cacheRoot = join(scratch, 'reuse');
  const { binaries } = await planBinaries({ cacheRoot });
  await mkdir(join(binaries.dir, 'bin'), { recursive: true });
  for (const path of binaryPaths(binaries)) {
    await writeFile(path, '#!/bin/sh\n');
    await chmod(path, 0o755);
  }
  await writeFile(join(binaries.dir, 'manifest.json'), '{}');
  // With no `go` on PATH, any attempt to build would fail.
  const found = await ensureBinaries({
    cacheRoot,
    logger: silentLogger,
    env: { ...process.env, PATH: '/nonexistent' },
  });
  assert.equal(found.kubeApiserver, binaries.kubeApiserver);
});

test('ensureBinaries should say how to install Go when go is missing', async () => {
  const cacheRoot = join(scratch, 'nogo');
  await assert.rejects(
    ensureBinaries({ cacheRoot, logger: silentLogger, env: { ...process.env, PATH: '/nonexistent' } }),
    (error: unknown) => {
      assert.ok(error instanceof GoToolchainMissing);
      assert.match(error.message, /step check-go: the `go` command was not found/);
      assert.match(error.hint, /install Go 1\.26/);
      return true;
    },
  );
  // Nothing half-built was installed, and the lock is gone.
  assert.deepEqual(await readdir(cacheRoot), []);
});

test('ensureBinaries should name the module proxy when it cannot be reached', async () => {
  const cacheRoot = join(scratch, 'noproxy');
  await assert.rejects(
    ensureBinaries({
      cacheRoot,
      logger: silentLogger,
      env: {
        ...process.env,
        // An empty module cache forces downloads; port 9 (discard) on loopback refuses connections.
        GOMODCACHE: join(scratch, 'gomodcache'),
        GOPROXY: 'http://127.0.0.1:9',
        GOFLAGS: '-modcacherw',
      },
    }),
    (error: unknown) => {
      assert.ok(error instanceof ModuleDownloadFailed, String(error));
      assert.match(error.message, /step download-modules/);
      assert.match(error.hint, /module proxy could not be reached \(GOPROXY=http:\/\/127\.0\.0\.1:9\)/);
      return true;
    },
  );
  assert.deepEqual(await readdir(cacheRoot), []);
});
