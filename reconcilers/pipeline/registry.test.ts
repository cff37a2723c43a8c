// Unit tests of the generated registries: static imports of every core module, no wasm compiled from bytes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BuildRecord } from './cache.ts';
import { findWasmFromBytes } from './forbid-bytes.ts';
import { nodeLoaderSource, registrySource } from './registry.ts';

const BUILD = '/repo/build';

function record(name: string, wasm: string[]): BuildRecord {
  const sizes = { bundleBytes: 1, componentBytes: 1, jsBytes: 1, wasmBytes: 1, gzipBytes: 1 };
  return { name, backend: 'qjs', optimize: 'speed', hash: 'h', inputs: [], wasm, sizes, buildMs: 1 };
}

const entries = [
  { group: 'examples' as const, record: record('website', ['website.core.wasm', 'website.inline0.wasm']) },
  { group: 'fixtures' as const, record: record('faulty', ['faulty.core.wasm']) },
];

describe('registrySource', () => {
  test('registrySource should import each transpiled module and every core wasm statically, relative to the registry', () => {
    const source = registrySource(`${BUILD}/fixtures`, entries, BUILD);
    const imports = [...source.matchAll(/^import (?!type).* from '(.+)';$/gm)].map((m) => m[1]);
    assert.deepEqual(imports, [
      '../reconcilers/website/worker/website.js',
      '../reconcilers/website/worker/website.core.wasm',
      '../reconcilers/website/worker/website.inline0.wasm',
      './faulty/worker/faulty.js',
      './faulty/worker/faulty.core.wasm',
    ]);
    assert.match(source, /export const registry: ReconcilerRegistry = \{/);
    assert.match(source, /'website': async \(\) =>/);
    assert.match(source, /'faulty': async \(\) =>/);
    assert.deepEqual(findWasmFromBytes('registry.ts', source), []);
  });

  test('registrySource should give an empty registry for no reconcilers', () => {
    assert.match(
      registrySource(`${BUILD}/reconcilers`, [], BUILD),
      /export const registry: ReconcilerRegistry = \{\n\};/,
    );
  });
});

describe('nodeLoaderSource', () => {
  test('nodeLoaderSource should list each reconciler with URLs of its module and core wasm files', () => {
    const source = nodeLoaderSource(`${BUILD}/reconcilers`, entries.slice(0, 1), BUILD);
    assert.match(source, /export const names: readonly string\[\] = \["website"\];/);
    assert.match(source, /js: new URL\('\.\/website\/worker\/website\.js', import\.meta\.url\)/);
    assert.match(source, /'website\.inline0\.wasm': new URL\('\.\/website\/worker\/website\.inline0\.wasm'/);
  });
});
