// Builds the production bundle with the real wrangler (`deploy --dry-run`) and holds it to a size budget.
//
// Budget: 3 MiB gzip, the Workers Free plan's limit on a Worker's compressed size (Paid allows 10 MiB).
// Staying under it keeps the worker deployable on any plan; the first QuickJS reconciler costs ~0.7 MiB gzip
// (the shared engine core), each further one ~0.15–0.2 MiB.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { buildBundle, bundleModules, bundleSize, wrangler } from '../testing/bundle.ts';

const BUDGET_GZIP_BYTES = 3 * 1024 * 1024;

test('wrangler deploy --dry-run builds the worker within the 3 MiB gzip budget', async () => {
  const stdout = await buildBundle();
  assert.match(stdout, /--dry-run: exiting now/);

  const { entry, wasm } = await bundleModules();
  assert.ok(wasm.length > 0, 'each core wasm module ships as its own module');
  const { modules, rawBytes: raw, gzipBytes: gzip } = await bundleSize();
  const mib = (n: number) => (n / 1024 / 1024).toFixed(2);
  console.log(JSON.stringify({ msg: 'bundle', modules, rawMiB: mib(raw), gzipMiB: mib(gzip) }));
  assert.ok(
    gzip <= BUDGET_GZIP_BYTES,
    `bundle is ${mib(gzip)} MiB gzip, over the ${mib(BUDGET_GZIP_BYTES)} MiB budget`,
  );

  // workerd forbids compiling wasm from bytes at run time; every module must arrive precompiled.
  assert.doesNotMatch(await readFile(entry, 'utf8'), /new WebAssembly\.Module\(|WebAssembly\.compile\(/);
});

test('worker-configuration.d.ts matches wrangler.toml (rerun `npm run types:worker` if not)', async () => {
  await wrangler(['types', '--include-runtime=false', '--include-main-module=false', '--check']);
});
