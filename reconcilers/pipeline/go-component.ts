// Turns a Go core module into a component of the `reconciler` world: `jco embed`, then `jco new` with the WASI stub adapter.
import { mkdir, readFile, rename, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { ComponentizeFailed } from './errors.ts';
import { jco, JcoFailed } from './jco.ts';
import { BUILD_DIR, PIPELINE_DIR, PROJECT_ROOT, WIT_DIR, WORLD } from './paths.ts';
import { createHash } from 'node:crypto';

/** The preview1 adapter for Go components, in WAT: every WASI function the Go runtime imports, answered with no imports. */
export const WASI_STUB_WAT = join(PIPELINE_DIR, 'go', 'wasi-stub.wat');

/** Assembles the stub adapter once per WAT text (`jco parse`), under build/go/. */
export async function wasiStubAdapter(buildDir: string = BUILD_DIR): Promise<string> {
  const wat = await readFile(WASI_STUB_WAT);
  const sha = createHash('sha256').update(wat).digest('hex').slice(0, 16);
  const out = join(buildDir, 'go', `wasi-stub-${sha}.wasm`);
  const present = await stat(out).then(
    () => true,
    () => false,
  );
  if (!present) {
    await mkdir(join(buildDir, 'go'), { recursive: true });
    const temp = `${out}.${process.pid}.tmp`;
    await jco(['parse', WASI_STUB_WAT, '-o', temp]);
    await rename(temp, out);
  }
  return out;
}

/**
 * `jco embed` writes the world's component-type section into the core module; `jco new` wraps it
 * as a component, adapting `wasi_snapshot_preview1` with the stub adapter. jco's own preview1
 * reactor adapter cannot serve big Go: it allocates its state through the module's `cabi_realloc`
 * during the Go runtime's own initialisation, which Go forbids ("wasmexport function called before
 * runtime initialization"), and its memory.grow fallback would hand the Go heap's pages to the adapter.
 */
export async function goComponent(name: string, core: string, out: string, buildDir = BUILD_DIR) {
  const embedded = `${core}.embed.wasm`;
  const where = relative(PROJECT_ROOT, core);
  try {
    await jco(['embed', core, '--wit', WIT_DIR, '--world-name', WORLD, '-o', embedded]);
    const adapter = await wasiStubAdapter(buildDir);
    await jco(['new', embedded, '--adapt', `wasi_snapshot_preview1=${adapter}`, '-o', out]);
  } catch (error) {
    const detail = error instanceof JcoFailed ? error.output : String(error);
    throw new ComponentizeFailed(name, where, `jco embed / jco new failed:\n${detail}`, { cause: error });
  }
}
