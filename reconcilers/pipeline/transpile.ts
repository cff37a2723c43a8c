// Transpiles a component into an ES module plus core wasm files for workerd (`jco transpile -I async`).
import { relative, resolve } from 'node:path';
import { TranspileFailed } from './errors.ts';
import { PROJECT_ROOT } from './paths.ts';
import { runInToolchain, ToolchainFailed } from './toolchain.ts';

/**
 * Writes `<outDir>/<name>.js` exporting `instantiate(getCoreModule, imports)` and the core modules
 * `<name>.core*.wasm`. `-I async` is the instantiation mode (the caller supplies compiled modules),
 * not component-model async: the world stays synchronous. No WASI shim (the component imports
 * nothing), no Node compatibility code, and `-b 0` so that no core module is inlined as base64.
 */
export async function transpile(name: string, component: string, outDir: string): Promise<void> {
  try {
    // `jco transpile <component> --name <name> -o <outDir> -I async --no-wasi-shim --no-nodejs-compat -b 0 -q`,
    // run in the warm toolchain thread (toolchain.ts).
    await runInToolchain({ op: 'transpile', component: resolve(component), name, outDir: resolve(outDir) });
  } catch (error) {
    const detail = error instanceof ToolchainFailed ? error.output : String(error);
    throw new TranspileFailed(name, relative(PROJECT_ROOT, component), `jco transpile failed:\n${detail}`, {
      cause: error,
    });
  }
}
