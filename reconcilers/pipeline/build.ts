// Builds one reconciler: bundle → componentize beside typecheck (or, for Go: go build → embed → new) → transpile → extract inline wasm → check → store core modules and JS; skips it when unchanged.
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { bundle } from './bundle.ts';
import { type BuildRecord, inputHash, readRecord, recordPath, relativeInputs } from './cache.ts';
import { componentize } from './componentize.ts';
import { componentWitVersion } from './component-wit.ts';
import { coreStorePath, storeCoreModules, storeFiles, storeHolds, type StoreOutcome } from './core-store.ts';
import { extractInlineWasm } from './extract-wasm.ts';
import { goBuild, goVersion } from './go-build.ts';
import { goComponent } from './go-component.ts';
import { checkGoLayout } from './go-layout.ts';
import { assertNoWasmFromBytes } from './forbid-bytes.ts';
import type { Logger } from '../../relay/observe/log.ts';
import type { ReconcilerSource } from './manifest.ts';
import { WorldExportsMissing } from './errors.ts';
import { BUILD_DIR, groupDir, PROJECT_ROOT, WIT_DIR } from './paths.ts';
import { workerDir } from './registry.ts';
import { transpile } from './transpile.ts';
import { typecheck } from './typecheck.ts';

/** What the WIT world `reconciler` exports, in jco's JS spelling. */
const WORLD_EXPORTS = ['describe', 'reconcile'];

export interface BuildOptions {
  log: Logger;
  /** Rebuild even when the input hash matches. */
  force?: boolean;
  buildDir?: string;
}

export interface BuildOutcome {
  record: BuildRecord;
  skipped: boolean;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Sizes of core modules by sha-256, measured once per process: the store is content-addressed, and a rebuild
 * mostly reuses the engine's modules (gzip -9 of all of them took ~180 ms of every `zeroloop dev` rebuild).
 */
const storedSizes = new Map<string, { bytes: number; gzip: number }>();

/**
 * Sizes of what the worker bundle carries for this reconciler alone: its JS and every core module it
 * uses (shared ones included, so the figure is what a worker with only this reconciler ships).
 */
async function measure(
  stored: StoreOutcome,
  buildDir: string,
): Promise<Pick<BuildRecord['sizes'], 'jsBytes' | 'wasmBytes' | 'gzipBytes'>> {
  const js = await readFile(coreStorePath(stored.js, buildDir, 'js'));
  let wasmBytes = 0;
  let gzipBytes = gzipSync(js, { level: 9 }).length;
  for (const m of stored.modules) {
    let sizes = storedSizes.get(m.sha256);
    if (sizes === undefined) {
      const bytes = await readFile(coreStorePath(m.sha256, buildDir));
      sizes = { bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
      storedSizes.set(m.sha256, sizes);
    }
    wasmBytes += sizes.bytes;
    gzipBytes += sizes.gzip;
  }
  return { jsBytes: js.length, wasmBytes, gzipBytes };
}

export async function buildReconciler(
  source: ReconcilerSource,
  options: BuildOptions,
): Promise<BuildOutcome> {
  const { manifest, group, dir, entry } = source;
  const { name, optimize, language } = manifest;
  const go = language === 'go';
  const backend = go ? 'go' : manifest.backend;
  const variant = `${backend}:${optimize}`;
  const extra: Record<string, string> = go ? { go: await goVersion() } : {};
  const { log } = options;
  const buildDir = options.buildDir ?? BUILD_DIR;
  const outDir = join(groupDir(group, buildDir), name);
  // zeroloop's wit/, or the older WIT a fixture names to test that its components keep running.
  const witDir = manifest.wit === undefined ? WIT_DIR : resolve(dir, manifest.wit);
  const previous = await readRecord(outDir);
  const before = await inputHash(dir, variant, previous?.inputs ?? [], extra, witDir);
  if (
    !options.force &&
    previous?.hash === before &&
    (await exists(join(workerDir(group, name, buildDir), `${name}.js`))) &&
    (await storeHolds(storeFiles(previous), buildDir))
  ) {
    log.info('reconciler.skip', { reconciler: name, reason: 'inputs unchanged', hash: before.slice(0, 12) });
    return { record: previous, skipped: true };
  }

  const started = performance.now();
  await mkdir(outDir, { recursive: true });
  await rm(recordPath(outDir), { force: true });
  const step = async <T>(what: string, run: () => Promise<T> | T): Promise<T> => {
    const t0 = performance.now();
    log.info('step.start', { reconciler: name, step: what });
    const result = await run();
    log.info('step.done', { reconciler: name, step: what, ms: Math.round(performance.now() - t0) });
    return result;
  };

  const componentFile = join(outDir, 'component.wasm');
  let bundleBytes: number;
  let inputs: string[];
  if (go) {
    // The Go path: the core module is the "bundle"; the go command's own cache makes rebuilds fast.
    const coreFile = join(outDir, 'core.wasm');
    await step('check-go-layout', () => checkGoLayout(log, buildDir));
    await step('go-build', () => goBuild(name, dir, coreFile));
    bundleBytes = (await stat(coreFile)).size;
    log.info('step.size', { reconciler: name, step: 'go-build', file: 'core.wasm', bytes: bundleBytes });
    await step('componentize', () => goComponent(name, coreFile, componentFile, buildDir));
    inputs = [];
  } else {
    const bundleFile = join(outDir, 'bundle.js');
    const bundled = await step('bundle', () => bundle(name, entry, bundleFile));
    log.info('step.size', { reconciler: name, step: 'bundle', file: 'bundle.js', bytes: bundled.bytes });
    const missing = WORLD_EXPORTS.filter((e) => !bundled.exports.includes(e));
    if (missing.length > 0) {
      throw new WorldExportsMissing(
        name,
        relative(PROJECT_ROOT, entry),
        `does not export ${missing.join(' and ')}: the world \`reconciler\` needs \`export function describe()\` ` +
          `and \`export function reconcile(request)\` (exports found: ${bundled.exports.join(', ') || 'none'})`,
      );
    }
    // The type check runs here, on this thread, while the toolchain thread componentizes (the job is posted
    // before the check starts). A type error wins over whatever componentize says: it is the author's to fix.
    const componentized = step('componentize', () =>
      componentize(manifest, entry, bundleFile, componentFile, witDir),
    );
    let typed: string[];
    try {
      typed = await step('typecheck', () => typecheck(name, entry));
    } catch (error) {
      await componentized.catch(() => undefined);
      throw error;
    }
    await componentized;
    bundleBytes = bundled.bytes;
    inputs = relativeInputs([...typed, ...bundled.inputs]);
  }
  const componentBytes = (await stat(componentFile)).size;
  const wit = await step('read-wit-version', async () =>
    componentWitVersion(await readFile(componentFile), `reconciler ${name}'s component.wasm`),
  );
  log.info('step.size', {
    reconciler: name,
    step: 'componentize',
    backend,
    optimize,
    file: 'component.wasm',
    bytes: componentBytes,
  });

  // Built in a staging folder and moved in file by file: `wrangler dev` watches the worker's imports
  // and would fail its rebuild on a moment without `<name>.js` (`zeroloop dev` rebuilds under it).
  const wDir = workerDir(group, name, buildDir);
  const staging = `${wDir}.next`;
  await rm(staging, { recursive: true, force: true });
  await step('transpile', () => transpile(name, componentFile, staging));
  const inlineFiles = await step('extract-wasm', () => extractInlineWasm(name, staging));
  log.info('step.size', { reconciler: name, step: 'extract-wasm', inlineModules: inlineFiles.length });
  await step('check-no-wasm-from-bytes', () => assertNoWasmFromBytes(name, staging));
  const stored = await step('store-core-modules', () => storeCoreModules(staging, name, buildDir));
  await moveInto(staging, wDir);
  log.info('step.size', {
    reconciler: name,
    step: 'store-core-modules',
    modules: stored.modules.length,
    added: stored.added,
    bytes: stored.addedBytes,
  });

  const sizes = {
    bundleBytes,
    componentBytes,
    ...(await measure(stored, buildDir)),
  };
  const record: BuildRecord = {
    name,
    backend,
    optimize,
    hash: await inputHash(dir, variant, inputs, extra, witDir),
    inputs,
    wasm: stored.modules,
    js: stored.js,
    wit,
    sizes,
    buildMs: Math.round(performance.now() - started),
  };
  await writeFile(recordPath(outDir), JSON.stringify(record, null, 2) + '\n');
  log.info('reconciler.built', {
    reconciler: name,
    group,
    backend,
    optimize,
    wit,
    ms: record.buildMs,
    ...sizes,
  });
  return { record, skipped: false };
}

/** Moves every file of `from` into `to` by rename (each replaced at once, never missing), drops `to`'s others, removes `from`. */
async function moveInto(from: string, to: string): Promise<void> {
  const files = (await readdir(from, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => relative(from, join(e.parentPath, e.name)));
  for (const file of files) {
    await mkdir(dirname(join(to, file)), { recursive: true });
    await rename(join(from, file), join(to, file));
  }
  const keep = new Set(files);
  const old = await readdir(to, { recursive: true, withFileTypes: true });
  for (const e of old) {
    const file = relative(to, join(e.parentPath, e.name));
    if (e.isFile() && !keep.has(file)) await rm(join(to, file), { force: true });
  }
  await rm(from, { recursive: true, force: true });
}
