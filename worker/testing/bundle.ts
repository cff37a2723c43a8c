// Builds the production worker bundle with the real wrangler (`deploy --dry-run`) and lists its modules.
import { execFile } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Where `wrangler deploy --dry-run` writes the bundle. */
export const BUNDLE_DIR = join(ROOT, 'build', 'worker-dist');

const run = promisify(execFile);

/** Runs wrangler offline with the running Node (24), not whatever `node` the bin shim finds on PATH. */
export function wrangler(args: string[]): Promise<{ stdout: string; stderr: string }> {
  const bin = join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
  const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' };
  return run(process.execPath, [bin, ...args], { cwd: ROOT, env, maxBuffer: 16 * 1024 * 1024 });
}

/** A fresh `wrangler deploy --dry-run --outdir <dir>` (of `config`, default wrangler.toml); returns wrangler's output. */
export async function buildBundle(outDir = BUNDLE_DIR, config?: string): Promise<string> {
  await rm(outDir, { recursive: true, force: true });
  const configArgs = config === undefined ? [] : ['--config', config];
  const { stdout } = await wrangler(['deploy', '--dry-run', ...configArgs, '--outdir', outDir]);
  return stdout;
}

/** The bundle's uploadable modules: the entry (`index.js`) first, then each core `.wasm`. */
export async function bundleModules(outDir = BUNDLE_DIR): Promise<{ entry: string; wasm: string[] }> {
  const files = await readdir(outDir);
  // wrangler names the entry after `main`: index.js for the worker, <entry>.js for test configs.
  const scripts = files.filter((f) => f.endsWith('.js'));
  const entry = scripts.includes('index.js') ? 'index.js' : scripts.length === 1 ? scripts[0] : undefined;
  if (entry === undefined) throw new Error(`no entry .js in ${outDir}: run buildBundle first`);
  return {
    entry: join(outDir, entry),
    wasm: files.filter((f) => f.endsWith('.wasm')).map((f) => join(outDir, f)),
  };
}

/** The bundle's size as uploaded: module count, raw bytes, and gzip bytes summed per module. */
export async function bundleSize(
  outDir = BUNDLE_DIR,
): Promise<{ modules: number; rawBytes: number; gzipBytes: number }> {
  const { entry, wasm } = await bundleModules(outDir);
  let rawBytes = 0;
  let gzipBytes = 0;
  for (const file of [entry, ...wasm]) {
    const bytes = await readFile(file);
    rawBytes += bytes.byteLength;
    gzipBytes += gzipSync(bytes).byteLength;
  }
  return { modules: 1 + wasm.length, rawBytes, gzipBytes };
}
