// Turns a bundled ES module into a WebAssembly component of the `reconciler` world (QuickJS or StarlingMonkey).
import { join, relative } from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { ComponentizeFailed } from './errors.ts';
import { jco, JcoFailed } from './jco.ts';
import type { Manifest } from './manifest.ts';
import { packageDir, PROJECT_ROOT, WIT_DIR, WORLD } from './paths.ts';

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

interface ComponentizeQjs {
  componentize(options: {
    witPath: string;
    jsSource: string;
    jsPath: string;
    world: string;
    sync: boolean;
    stubWasi: boolean;
    optSize: boolean;
  }): Promise<{ component: Uint8Array }>;
}

/**
 * QuickJS with componentize-qjs' size-optimized runtime, which the jco CLI does not expose: the
 * same options as `quickjs` plus `optSize`, through the componentize-qjs that jco itself uses.
 */
async function quickjsSize(source: string, out: string): Promise<void> {
  const dir = packageDir('componentize-qjs', packageDir('@bytecodealliance/jco'));
  const qjs = (await import(pathToFileURL(join(dir, 'index.js')).href)) as ComponentizeQjs;
  const { component } = await qjs.componentize({
    witPath: WIT_DIR,
    jsSource: await readFile(source, 'utf8'),
    jsPath: source,
    world: WORLD,
    sync: true,
    stubWasi: true,
    optSize: true,
  });
  await writeFile(out, component);
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
    else if (manifest.optimize === 'size') await quickjsSize(source, out);
    else await quickjs(source, out);
  } catch (error) {
    const detail = error instanceof JcoFailed ? error.output : String(error);
    throw new ComponentizeFailed(
      manifest.name,
      relative(PROJECT_ROOT, entry),
      `componentize (${manifest.backend}, optimize ${manifest.optimize}) failed for bundle ${relative(PROJECT_ROOT, source)}: the engine could not ` +
        `load or initialize the module (its top-level code runs at build time); fix the error below.\n${detail.trim()}`,
      { cause: error },
    );
  }
}
