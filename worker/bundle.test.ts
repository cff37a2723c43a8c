// Builds the production bundle with the real wrangler (`deploy --dry-run`) and holds it to a size budget.
//
// Budget: 3 MiB gzip, the Workers Free plan's limit on a Worker's compressed size (Paid allows 10 MiB).
// Staying under it keeps the worker deployable on any plan; each QuickJS reconciler costs ~0.65 MiB gzip.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'build', 'worker-dist');
const BUDGET_GZIP_BYTES = 3 * 1024 * 1024;
const run = promisify(execFile);
const offline = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' };

function wrangler(args: string[]) {
  // The running Node (24), not whatever `node` the wrangler shim finds on PATH.
  return run(process.execPath, [join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js'), ...args], {
    cwd: ROOT,
    env: offline,
  });
}

test('wrangler deploy --dry-run builds the worker within the 3 MiB gzip budget', async () => {
  await rm(OUT, { recursive: true, force: true });
  const { stdout } = await wrangler(['deploy', '--dry-run', '--outdir', OUT]);
  assert.match(stdout, /--dry-run: exiting now/);

  const files = (await readdir(OUT)).filter((f) => f.endsWith('.js') || f.endsWith('.wasm'));
  assert.ok(files.includes('index.js'), files.join());
  assert.ok(
    files.some((f) => f.endsWith('.wasm')),
    'each core wasm module ships as its own module',
  );
  let raw = 0;
  let gzip = 0;
  for (const file of files) {
    const bytes = await readFile(join(OUT, file));
    raw += bytes.byteLength;
    gzip += gzipSync(bytes).byteLength;
  }
  const mib = (n: number) => (n / 1024 / 1024).toFixed(2);
  console.log(JSON.stringify({ msg: 'bundle', modules: files.length, rawMiB: mib(raw), gzipMiB: mib(gzip) }));
  assert.ok(
    gzip <= BUDGET_GZIP_BYTES,
    `bundle is ${mib(gzip)} MiB gzip, over the ${mib(BUDGET_GZIP_BYTES)} MiB budget`,
  );

  // workerd forbids compiling wasm from bytes at run time; every module must arrive precompiled.
  const index = await readFile(join(OUT, 'index.js'), 'utf8');
  assert.doesNotMatch(index, /new WebAssembly\.Module\(|WebAssembly\.compile\(/);
});

test('worker-configuration.d.ts matches wrangler.toml (rerun `npm run types:worker` if not)', async () => {
  await wrangler(['types', '--include-runtime=false', '--include-main-module=false', '--check']);
});
