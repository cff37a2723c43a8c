// Loads built reconciler components in Node (component tests, benchmarks): compiles the core wasm from disk.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ReconcilerExports } from '../../src/contract/wit.ts';
import { witInterfaceName } from '../../src/protocol/version.ts';
import { coreStorePath } from './core-store.ts';
import { BUILD_DIR } from './paths.ts';
import { type RegistryEntry, workerDir } from './registry.ts';

/** Where one reconciler's transpiled module and its core wasm files are. */
export interface BuiltReconciler {
  js: URL;
  wasm: Readonly<Record<string, URL>>;
}

type Instantiate = (
  getCoreModule: (path: string) => WebAssembly.Module,
  imports: Record<string, object>,
) => Promise<object>;

/** Thrown for a name the build did not produce. */
export class UnknownReconciler extends Error {
  override readonly name = 'UnknownReconciler';
}

/**
 * A loader over the given built reconcilers: each call instantiates a fresh component instance;
 * each core module file is compiled once and shared by every reconciler that uses it, as in the
 * worker (Node may compile bytes; workerd may not).
 */
export function createNodeLoader(
  built: Readonly<Record<string, BuiltReconciler>>,
): (name: string) => Promise<ReconcilerExports> {
  const compiled = new Map<
    string,
    Promise<{ instantiate: Instantiate; modules: Map<string, WebAssembly.Module> }>
  >();
  const byUrl = new Map<string, Promise<WebAssembly.Module>>();
  const compile = (url: URL): Promise<WebAssembly.Module> => {
    let module = byUrl.get(url.href);
    if (!module) {
      module = readFile(url).then((bytes) => WebAssembly.compile(bytes));
      byUrl.set(url.href, module);
    }
    return module;
  };
  const prepare = async (name: string, entry: BuiltReconciler) => {
    const mod = (await import(entry.js.href)) as { instantiate: Instantiate };
    const modules = new Map<string, WebAssembly.Module>();
    for (const [file, url] of Object.entries(entry.wasm)) modules.set(file, await compile(url));
    return { instantiate: mod.instantiate, modules };
  };
  return async (name) => {
    const entry = built[name];
    if (!entry) {
      throw new UnknownReconciler(
        `no built reconciler "${name}" (have: ${Object.keys(built).join(', ')}): run npm run build:reconcilers`,
      );
    }
    let ready = compiled.get(name);
    if (!ready) {
      ready = prepare(name, entry);
      compiled.set(name, ready);
    }
    const { instantiate, modules } = await ready;
    const root = await instantiate(
      (path) => {
        const m = modules.get(path);
        if (!m) throw new Error(`${name}: the component asked for an unknown core module ${path}`);
        return m;
      },
      { [witInterfaceName('types')]: {} },
    );
    // jco's root matches ReconcilerExports up to `?:` versus `| undefined` for WIT options;
    // src/contract/agreement.test.ts holds the two together.
    return root as ReconcilerExports;
  };
}

/** A loader straight from pipeline results (tests that build what they load). */
export function loaderFor(
  entries: readonly RegistryEntry[],
  buildDir: string = BUILD_DIR,
): (name: string) => Promise<ReconcilerExports> {
  const built: Record<string, BuiltReconciler> = {};
  for (const { group, record } of entries) {
    const dir = workerDir(group, record.name, buildDir);
    built[record.name] = {
      js: pathToFileURL(join(dir, `${record.name}.js`)),
      wasm: Object.fromEntries(
        record.wasm.map((m) => [m.file, pathToFileURL(coreStorePath(m.sha256, buildDir))]),
      ),
    };
  }
  return createNodeLoader(built);
}
