// Turns a bundled ES module into a WebAssembly component of the `reconciler` world (QuickJS or StarlingMonkey).
import { relative, resolve } from 'node:path';
import { ComponentizeFailed } from './errors.ts';
import { jco, JcoFailed } from './jco.ts';
import type { Manifest } from './manifest.ts';
import { PROJECT_ROOT, WIT_DIR, WORLD } from './paths.ts';
import { runInToolchain, ToolchainFailed } from './toolchain.ts';

/**
 * QuickJS as `jco componentize --backend qjs --backend-qjs-stub-wasi --backend-qjs-disable-async` makes it (no
 * WASI imports, stubbed to traps; no component-model async), or with componentize-qjs' size-optimized runtime,
 * which the jco CLI does not expose (`optSize`). Runs in the warm toolchain thread (toolchain.ts): the call
 * jco makes, without a Node process per build.
 */
function quickjs(source: string, out: string, optSize: boolean, witDir: string): Promise<void> {
  // componentize-qjs resolves a relative source path twice, so every path is absolute.
  return runInToolchain({
    op: 'componentize-qjs',
    witPath: witDir,
    world: WORLD,
    source,
    out,
    optSize,
    cwd: PROJECT_ROOT,
  });
}

/**
 * StarlingMonkey through `jco componentize` (its own componentize-js) with every WASI feature
 * disabled: about 12 MB, and not byte-reproducible. AOT (weval) would download, so it is not used.
 */
async function starlingmonkey(source: string, out: string, witDir: string): Promise<void> {
  await jco([
    'componentize',
    source,
    '--wit',
    witDir,
    '--world-name',
    WORLD,
    '--backend',
    'starlingmonkey',
    '--disable',
    'all',
    '-o',
    out,
  ]);
}

/**
 * Writes the component to `out`, built against the WIT in `witDir` (zeroloop's wit/ unless the manifest names
 * another); throws ComponentizeFailed naming the bundle and the reconciler's entry.
 */
export async function componentize(
  manifest: Manifest,
  entry: string,
  source: string,
  out: string,
  witDir: string = WIT_DIR,
): Promise<void> {
  try {
    if (manifest.backend === 'starlingmonkey') await starlingmonkey(source, out, witDir);
    else await quickjs(resolve(source), resolve(out), manifest.optimize === 'size', witDir);
  } catch (error) {
    const detail =
      error instanceof JcoFailed || error instanceof ToolchainFailed ? error.output : String(error);
    throw new ComponentizeFailed(
      manifest.name,
      relative(PROJECT_ROOT, entry),
      `componentize (${manifest.backend}, optimize ${manifest.optimize}) failed for bundle ${relative(PROJECT_ROOT, source)}: the engine could not ` +
        `load or initialize the module (its top-level code runs at build time); fix the error below.\n${detail.trim()}`,
      { cause: error },
    );
  }
}
