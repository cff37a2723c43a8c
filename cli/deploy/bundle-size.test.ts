// Unit tests of the worker bundle check: modules measured from real files, the plan limits, and the error that names the largest.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BundleTooLarge, checkBundleSize, measureBundle, WORKER_SIZE_LIMITS } from './bundle-size.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bundle-size-'));
  // Random bytes do not compress: 3.5 MiB of them is over the Free plan's 3 MiB gzip limit, under Paid's 10 MiB.
  await writeFile(join(dir, 'big.wasm'), randomBytes(3.5 * 1024 * 1024));
  await writeFile(join(dir, 'index.js'), 'export default {};\n'.repeat(1000));
  await writeFile(join(dir, 'small.wasm'), Buffer.alloc(1024));
  await writeFile(join(dir, 'README.md'), 'not a module');
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('measureBundle should list each .js and .wasm module, largest gzip first, and sum them', async () => {
  const size = await measureBundle(dir);
  assert.deepEqual(
    size.modules.map((m) => m.file),
    ['big.wasm', 'index.js', 'small.wasm'],
  );
  const big = size.modules[0];
  assert.ok(big && big.gzipBytes > 3.5 * 1024 * 1024, 'random bytes stay as large under gzip');
  const index = size.modules[1];
  assert.ok(index && index.gzipBytes < index.rawBytes / 10, 'a repetitive script compresses');
  assert.equal(
    size.gzipBytes,
    size.modules.reduce((sum, m) => sum + m.gzipBytes, 0),
  );
});

test('checkBundleSize should refuse over the Free limit, naming the largest modules, and pass on Paid', async () => {
  const size = await measureBundle(dir);
  assert.throws(
    () => {
      checkBundleSize(size, 'free');
    },
    (error: unknown) => {
      assert.ok(error instanceof BundleTooLarge);
      assert.equal(error.plan, 'free');
      assert.match(
        error.message,
        /over the Workers free plan's limit of 3072\.0 KiB; largest modules: big\.wasm/,
      );
      assert.match(error.message, /--plan paid/);
      return true;
    },
  );
  assert.doesNotThrow(() => {
    checkBundleSize(size, 'paid');
  });
  assert.equal(WORKER_SIZE_LIMITS.paid, 10 * 1024 * 1024);
});
