// Unit tests of moving jco's inline core wasm out of the transpiled JS.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ExtractWasmFailed } from './errors.ts';
import { extractInlineWasm } from './extract-wasm.ts';
import { findWasmFromBytes } from './forbid-bytes.ts';

// The shape jco 1.35 emits with `-I async -b 0` (trimmed): an inline helper module and a fetch fallback.
const TRANSPILED = `export function instantiate(getCoreModule, imports, instantiateCore = WebAssembly.instantiate) {
  const fetchCompile = url => fetch(url).then(WebAssembly.compileStreaming);
  const helperModule = new WebAssembly.Module(new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ]));
  const other = new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
  if (!getCoreModule) getCoreModule = (name) => fetchCompile(new URL(\`./\${name}\`, import.meta.url));
  const module0 = getCoreModule('demo.core.wasm');
}
`;

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'zeroloop-extract-'));
  try {
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('extractInlineWasm', () => {
  test('extractInlineWasm should write each inline module to a file and fetch it through getCoreModule', () =>
    withDir(async (dir) => {
      await writeFile(join(dir, 'demo.js'), TRANSPILED);
      assert.deepEqual(await extractInlineWasm('demo', dir), ['demo.inline0.wasm', 'demo.inline1.wasm']);
      const wasm = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
      assert.deepEqual([...(await readFile(join(dir, 'demo.inline0.wasm')))], wasm);
      assert.deepEqual([...(await readFile(join(dir, 'demo.inline1.wasm')))], wasm);
      const js = await readFile(join(dir, 'demo.js'), 'utf8');
      assert.match(js, /const helperModule = getCoreModule\('demo\.inline0\.wasm'\);/);
      assert.match(js, /const other = getCoreModule\('demo\.inline1\.wasm'\);/);
      assert.match(js, /if \(!getCoreModule\) throw new TypeError/);
      assert.deepEqual(findWasmFromBytes('demo.js', js), []);
    }));

  test('extractInlineWasm should fail when jco output no longer has instantiate(getCoreModule, ...)', () =>
    withDir(async (dir) => {
      await writeFile(join(dir, 'demo.js'), 'export const x = 1;\n');
      await assert.rejects(extractInlineWasm('demo', dir), ExtractWasmFailed);
    }));

  test('extractInlineWasm should refuse inline wasm outside instantiate(), where getCoreModule is not in scope', () =>
    withDir(async (dir) => {
      await writeFile(
        join(dir, 'demo.js'),
        `const m = new WebAssembly.Module(new Uint8Array([0]));\n${TRANSPILED}`,
      );
      await assert.rejects(extractInlineWasm('demo', dir), /outside instantiate/);
    }));
});
