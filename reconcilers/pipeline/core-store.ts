// Keeps each distinct core wasm module and transpiled JS module once, named by its sha-256 (`build/core-modules/<sha256>.{wasm,js}`).
//
// Every QuickJS component carries the same engine core (about 1.3 MB, 0.42 MB gzip) and a dozen small
// identical adapter modules; only the snapshot module and one small shim differ per reconciler. jco's
// JS (~180 KB) is identical too once the reconciler's name is taken out of the module names it asks
// for. The registry imports each stored file once, so the worker bundle ships each once. Sharing is
// safe: `instantiate` keeps all its state in its own closure and makes new instances and memories
// from the compiled WebAssembly.Modules on every call.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { BUILD_DIR } from './paths.ts';

/** One core module a transpiled component asks `getCoreModule` for, and where the store keeps it. */
export interface CoreModule {
  /** The name the transpiled JS asks for, without the reconciler's name: `core3.wasm` for jco's `website.core3.wasm`. */
  file: string;
  /** Hex sha-256 of its bytes; the store file is `<sha256>.wasm`. */
  sha256: string;
}

/** `build/core-modules`: the content-addressed store shared by examples and fixtures. */
export function coreStoreDir(buildDir: string = BUILD_DIR): string {
  return join(buildDir, 'core-modules');
}

export function coreStorePath(
  sha256: string,
  buildDir: string = BUILD_DIR,
  ext: 'wasm' | 'js' = 'wasm',
): string {
  return join(coreStoreDir(buildDir), `${sha256}.${ext}`);
}

const sha256Of = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** What moving one reconciler's modules into the store did. */
export interface StoreOutcome {
  modules: CoreModule[];
  /** sha-256 of the shared transpiled JS, `<sha256>.js` in the store. */
  js: string;
  /** Files the store did not hold yet, and their bytes. */
  added: number;
  addedBytes: number;
}

/** Writes `bytes` to `target` unless it exists (by rename, so a reader never sees half a file); true if written. */
async function putOnce(target: string, bytes: Uint8Array | string): Promise<boolean> {
  if (await exists(target)) return false;
  const temp = `${target}.${process.pid}.tmp`;
  await writeFile(temp, bytes);
  await rename(temp, target);
  return true;
}

/**
 * Moves every `.wasm` next to `<dir>/<name>.js` into the store, drops `<name>.` from the module
 * names the JS asks `getCoreModule` for, moves the JS into the store too and leaves `<name>.js` as a
 * one-line re-export of it (its `.d.ts` still describes it). Returns the modules sorted by name.
 */
export async function storeCoreModules(
  dir: string,
  name: string,
  buildDir: string = BUILD_DIR,
): Promise<StoreOutcome> {
  await mkdir(coreStoreDir(buildDir), { recursive: true });
  const modules: CoreModule[] = [];
  let added = 0;
  let addedBytes = 0;
  const prefix = `${name}.`;
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.wasm')).sort()) {
    const bytes = await readFile(join(dir, file));
    const sha256 = sha256Of(bytes);
    if (await putOnce(coreStorePath(sha256, buildDir), bytes)) {
      added++;
      addedBytes += bytes.length;
    }
    await rm(join(dir, file));
    modules.push({ file: file.startsWith(prefix) ? file.slice(prefix.length) : file, sha256 });
  }
  const jsFile = join(dir, `${name}.js`);
  const js = (await readFile(jsFile, 'utf8')).replace(
    /getCoreModule\('([^']+)'\)/g,
    (call: string, path: string) =>
      path.startsWith(prefix) ? `getCoreModule('${path.slice(prefix.length)}')` : call,
  );
  const jsSha256 = sha256Of(js);
  if (await putOnce(coreStorePath(jsSha256, buildDir, 'js'), js)) {
    added++;
    addedBytes += Buffer.byteLength(js);
  }
  await writeFile(
    jsFile,
    `// jco's transpiled module for ${name}, shared with every reconciler whose JS is identical.\n` +
      `export { instantiate } from '${relative(dir, coreStorePath(jsSha256, buildDir, 'js'))}';\n`,
  );
  return { modules, js: jsSha256, added, addedBytes };
}

/** Whether the store holds every file in `files` (a skipped build relies on them). */
export async function storeHolds(files: readonly string[], buildDir: string = BUILD_DIR): Promise<boolean> {
  for (const f of files) if (!(await exists(join(coreStoreDir(buildDir), f)))) return false;
  return true;
}

/** The store files one reconciler uses: its core modules and its JS. */
export function storeFiles(record: { wasm: readonly CoreModule[]; js: string }): string[] {
  return [...record.wasm.map((m) => `${m.sha256}.wasm`), `${record.js}.js`];
}

/** Removes stored files no reconciler uses any more; returns how many. Only call with every reconciler's files. */
export async function pruneCoreStore(inUse: Iterable<string>, buildDir: string = BUILD_DIR): Promise<number> {
  const keep = new Set(inUse);
  let removed = 0;
  for (const file of await readdir(coreStoreDir(buildDir)).catch(() => [])) {
    if (keep.has(file)) continue;
    await rm(join(coreStoreDir(buildDir), file), { force: true });
    removed++;
  }
  return removed;
}
