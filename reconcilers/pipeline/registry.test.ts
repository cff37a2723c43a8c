// Unit tests of the generated registries: one static import per distinct core module, no wasm compiled from bytes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BuildRecord } from './cache.ts';
import { findWasmFromBytes } from './forbid-bytes.ts';
import { nodeLoaderSource, registrySource } from './registry.ts';

const BUILD = '/repo/build';

function record(name: string, wasm: Record<string, string>): BuildRecord {
  const sizes = { bundleBytes: 1, componentBytes: 1, jsBytes: 1, wasmBytes: 1, gzipBytes: 1 };
  const modules = Object.entries(wasm).map(([file, sha256]) => ({ file, sha256 }));
  return {
    name,
    backend: 'qjs',
    optimize: 'speed',
    hash: 'h',
    inputs: [],
    wasm: modules,
    js: 'j',
    wit: name === 'faulty' ? '0.0.9' : '0.1.0',
    sizes,
    buildMs: 1,
  };
}

// `engine` is the same core module in both reconcilers (the QuickJS engine); `w` and `f` are their own.
const entries = [
  {
    group: 'examples' as const,
    record: record('website', { 'core.wasm': 'w', 'core3.wasm': 'engine' }),
  },
  {
    group: 'fixtures' as const,
    record: record('faulty', { 'core.wasm': 'f', 'core3.wasm': 'engine' }),
  },
];

describe('registrySource', () => {
  test('registrySource should import each transpiled module and each distinct core module once, relative to the registry', () => {
    const source = registrySource(`${BUILD}/fixtures`, entries, BUILD);
    const imports = [...source.matchAll(/^import (?!type).* from '(.+)';$/gm)].map((m) => m[1]);
    assert.deepEqual(imports, [
      '../core-modules/w.wasm',
      '../core-modules/engine.wasm',
      '../core-modules/f.wasm',
      '../reconcilers/website/worker/website.js',
      './faulty/worker/faulty.js',
    ]);
    // Each reconciler maps the names its JS asks for onto the shared imports.
    assert.match(source, /const modules0[^}]*'core\.wasm': core0,\n {2}'core3\.wasm': core1,\n\};/);
    assert.match(source, /const modules1[^}]*'core\.wasm': core2,\n {2}'core3\.wasm': core1,\n\};/);
    assert.match(source, /export const registry: ReconcilerRegistry = \{/);
    // Each entry names the WIT version its component was built against, and imports the package at it.
    assert.match(
      source,
      /'website': \{\n {4}wit: '0\.1\.0',\n {4}instantiate: async \(\) =>.*\{ 'zeroloop:reconciler\/types@0\.1\.0': \{\} \}/,
    );
    assert.match(
      source,
      /'faulty': \{\n {4}wit: '0\.0\.9',\n {4}instantiate: async \(\) =>.*\{ 'zeroloop:reconciler\/types@0\.0\.9': \{\} \}/,
    );
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
  test('nodeLoaderSource should list each reconciler with URLs of its module and its stored core modules', () => {
    const source = nodeLoaderSource(`${BUILD}/reconcilers`, entries.slice(0, 1), BUILD);
    assert.match(source, /export const names: readonly string\[\] = \["website"\];/);
    assert.match(source, /js: new URL\('\.\/website\/worker\/website\.js', import\.meta\.url\)/);
    assert.match(source, /'core3\.wasm': new URL\('\.\.\/core-modules\/engine\.wasm'/);
  });
});
