// Unit tests of the check that generated JS never compiles wasm from bytes.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { WasmFromBytesFound } from './errors.ts';
import { assertNoWasmFromBytes, findWasmFromBytes } from './forbid-bytes.ts';

describe('findWasmFromBytes', () => {
  test('findWasmFromBytes should flag every way of compiling wasm from bytes, with its line', () => {
    const js = [
      'const ok = 1;',
      'const m = new WebAssembly.Module(new Uint8Array([0, 97, 115, 109]));',
      'await WebAssembly.compile(bytes);',
      'const r = await WebAssembly.instantiate(bytes, {});',
      'fetch(url).then(WebAssembly.compileStreaming);',
      'WebAssembly.instantiateStreaming(fetch(url));',
      "const b = Uint8Array.from(atob('AGFzbQ=='), c => c.charCodeAt(0));",
    ].join('\n');
    assert.deepEqual(
      findWasmFromBytes('x.js', js).map((f) => f.line),
      [2, 3, 4, 5, 6, 7],
    );
  });

  test('findWasmFromBytes should allow instantiating compiled modules, as jco does', () => {
    const js = [
      'export function instantiate(getCoreModule, imports, instantiateCore = WebAssembly.instantiate) {',
      '  const i = new WebAssembly.Instance(getCoreModule("a.core.wasm"), {});',
      "  const module0 = getCoreModule('x.inline0.wasm');",
      '  throw new WebAssembly.RuntimeError("trap");',
      '}',
    ].join('\n');
    assert.deepEqual(findWasmFromBytes('x.js', js), []);
  });
});

describe('assertNoWasmFromBytes', () => {
  test('assertNoWasmFromBytes should fail naming the file and line that compiles bytes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zeroloop-forbid-'));
    try {
      await writeFile(join(dir, 'good.js'), 'export const a = 1;\n');
      await writeFile(join(dir, 'bad.js'), 'export const a = 1;\nconst m = new WebAssembly.Module(bytes);\n');
      await assert.rejects(assertNoWasmFromBytes('demo', dir), (e: unknown) => {
        assert.ok(e instanceof WasmFromBytesFound);
        assert.equal(e.reconciler, 'demo');
        assert.match(e.file, /bad\.js$/);
        assert.match(e.message, /bad\.js:2: new WebAssembly\.Module/);
        return true;
      });
      await rm(join(dir, 'bad.js'));
      await assertNoWasmFromBytes('demo', dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
