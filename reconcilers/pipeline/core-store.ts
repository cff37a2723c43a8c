// Keeps each distinct core wasm module once, named by its sha-256 (`build/core-modules/<sha256>.wasm`), for every reconciler.
//
// Every QuickJS component carries the same engine core (about 1.3 MB, 0.42 MB gzip) and a dozen small
// identical adapter modules; only the snapshot module and one small shim differ per reconciler. The
// registry imports each stored file once, so the worker bundle ships each module once. Sharing a
// compiled WebAssembly.Module is safe: every `instantiate` makes its own instances and memories.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BUILD_DIR } from './paths.ts';

/** One core module a transpiled component asks `getCoreModule` for, and where the store keeps it. */
export interface CoreModule {
  /** The name in the transpiled JS, e.g. `website.core3.wasm`. */
  file: string;
  /** Hex sha-256 of its bytes; the store file is `<sha256>.wasm`. */
  sha256: string;
}

/** `build/core-modules`: the content-addressed store shared by examples and fixtures. */
export function coreStoreDir(buildDir: string = BUILD_DIR): string {
  return join(buildDir, 'core-modules');
}

export function coreStorePath(sha256: string, buildDir: string = BUILD_DIR): string {
  return join(coreStoreDir(buildDir), `${sha256}.wasm`);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** What moving one reconciler's modules into the store did. */
export interface StoreOutcome {
  modules: CoreModule[];
  /** Modules the store did not hold yet, and their bytes. */
  added: number;
  addedBytes: number;
}

/**
 * Moves every `.wasm` next to the transpiled module in `dir` into the store (written once, by rename,
 * so a reader never sees half a file) and returns them sorted by name.
 */
export async function storeCoreModules(dir: string, buildDir: string = BUILD_DIR): Promise<StoreOutcome> {
  await mkdir(coreStoreDir(buildDir), { recursive: true });
  const modules: CoreModule[] = [];
  let added = 0;
  let addedBytes = 0;
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.wasm')).sort()) {
    const bytes = await readFile(join(dir, file));
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const target = coreStorePath(sha256, buildDir);
    if (!(await exists(target))) {
      const temp = `${target}.${process.pid}.tmp`;
      await writeFile(temp, bytes);
      await rename(temp, target);
      added++;
      addedBytes += bytes.length;
    }
    await rm(join(dir, file));
    modules.push({ file, sha256 });
  }
  return { modules, added, addedBytes };
}

/** Whether the store holds every module in `modules` (a skipped build relies on them). */
export async function storeHolds(
  modules: readonly CoreModule[],
  buildDir: string = BUILD_DIR,
): Promise<boolean> {
  for (const m of modules) if (!(await exists(coreStorePath(m.sha256, buildDir)))) return false;
  return true;
}

/** Removes stored modules no reconciler uses any more; returns how many. Only call with every reconciler's modules. */
export async function pruneCoreStore(
  inUse: Iterable<CoreModule>,
  buildDir: string = BUILD_DIR,
): Promise<number> {
  const keep = new Set([...inUse].map((m) => `${m.sha256}.wasm`));
  let removed = 0;
  for (const file of await readdir(coreStoreDir(buildDir)).catch(() => [])) {
    if (keep.has(file)) continue;
    await rm(join(coreStoreDir(buildDir), file), { force: true });
    removed++;
  }
  return removed;
}
