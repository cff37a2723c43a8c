// Turns a bundled ES module into a WebAssembly component of the `reconciler` world (QuickJS or StarlingMonkey).
import { relative } from 'node:path';
import { ComponentizeFailed } from './errors.ts';
import { jco, JcoFailed } from './jco.ts';
import type { Manifest } from './manifest.ts';
import { REPO_ROOT, WIT_DIR, WORLD } from './paths.ts';

/** QuickJS through `jco componentize`: no WASI imports (stubbed to traps), no component-model async. */
async function quickjs(source: string, out: string): Promise<void> {
  // componentize-qjs resolves a relative source path twice, so every path is absolute.
  await jco([
    'componentize',
    source,
    '--wit',
    WIT_DIR,
    '--world-name',
    WORLD,
    '--backend',
    'qjs',
    '--backend-qjs-stub-wasi',
    '--backend-qjs-disable-async',
    '-o',
    out,
  ]);
}

/**
 * StarlingMonkey through `jco componentize` (its own componentize-js) with every WASI feature
 * disabled: about 12 MB, and not byte-reproducible. AOT (weval) would download, so it is not used.
 */
async function starlingmonkey(source: string, out: string): Promise<void> {
  await jco([
    'componentize',
    source,
    '--wit',
    WIT_DIR,
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

/** Writes the component to `out`; throws ComponentizeFailed naming the bundle and the reconciler's entry. */
export async function componentize(
  manifest: Manifest,
  entry: string,
  source: string,
  out: string,
): Promise<void> {
  try {
    if (manifest.backend === 'starlingmonkey') await starlingmonkey(source, out);
    else await quickjs(source, out);
  } catch (error) {
    const detail = error instanceof JcoFailed ? error.output : String(error);
    throw new ComponentizeFailed(
      manifest.name,
      relative(REPO_ROOT, entry),
      `componentize (${manifest.backend}) failed for bundle ${relative(REPO_ROOT, source)}: the engine could not ` +
        `load or initialize the module (its top-level code runs at build time); fix the error below.\n${detail.trim()}`,
      { cause: error },
    );
  }
}
