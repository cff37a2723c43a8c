// Moves core wasm that jco inlines into the transpiled JS out to `.wasm` files fetched through getCoreModule.
import { readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { ExtractWasmFailed } from './errors.ts';
import { PROJECT_ROOT } from './paths.ts';

const INLINE_MODULE = /new WebAssembly\.Module\(\s*new Uint8Array\(\[([^\]]*)\]\)\s*\)/g;
const INSTANTIATE = 'export function instantiate(getCoreModule,';
// jco's fallback when no getCoreModule is given: fetch + compileStreaming, which workerd forbids.
const FETCH_COMPILE =
  /^\s*const fetchCompile = url => fetch\(url\)\.then\(WebAssembly\.compileStreaming\);\s*$/m;
const FALLBACK = /^(\s*)if \(!getCoreModule\) getCoreModule = \(name\) => fetchCompile\([^\n]*\);\s*$/m;

function parseBytes(list: string): Uint8Array {
  const items = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const bytes = new Uint8Array(items.length);
  items.forEach((item, i) => {
    const value = Number(item);
    if (!Number.isInteger(value) || value < 0 || value > 255) throw new Error(`not a byte: ${item}`);
    bytes[i] = value;
  });
  return bytes;
}

/**
 * Rewrites `<dir>/<name>.js` in place. Each inline `new WebAssembly.Module(new Uint8Array([...]))`
 * becomes `getCoreModule('<name>.inline<N>.wasm')` (written next to it), so the registry hands it
 * over as an imported module; the fetch fallback becomes an error. Returns the new wasm files.
 */
export async function extractInlineWasm(name: string, dir: string): Promise<string[]> {
  const file = join(dir, `${name}.js`);
  const rel = relative(PROJECT_ROOT, file);
  let js = await readFile(file, 'utf8');
  const start = js.indexOf(INSTANTIATE);
  if (start < 0) {
    throw new ExtractWasmFailed(
      name,
      rel,
      `no "${INSTANTIATE}": jco's output format changed; update extract-wasm.ts`,
    );
  }
  const extracted: { file: string; bytes: Uint8Array }[] = [];
  js = js.replace(INLINE_MODULE, (match: string, list: string, offset: number) => {
    // getCoreModule is only in scope inside instantiate(); jco defines these helpers there.
    if (offset < start) {
      throw new ExtractWasmFailed(name, rel, 'inline wasm outside instantiate(): update extract-wasm.ts');
    }
    const wasmFile = `${name}.inline${extracted.length}.wasm`;
    extracted.push({ file: wasmFile, bytes: parseBytes(list) });
    return `getCoreModule('${wasmFile}')`;
  });
  js = js.replace(FETCH_COMPILE, '');
  js = js.replace(
    FALLBACK,
    (_m: string, indent: string) =>
      `${indent}if (!getCoreModule) throw new TypeError('instantiate: getCoreModule is required (compiled modules only)');`,
  );
  for (const { file: wasmFile, bytes } of extracted) await writeFile(join(dir, wasmFile), bytes);
  await writeFile(file, js);
  return extracted.map((e) => e.file);
}
