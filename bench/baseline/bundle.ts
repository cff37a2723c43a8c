// Bundles a benchmark's Node entry point as the relay's image bundles relay/main.ts (deploy/image-tree.ts's options), into a temporary folder.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { RELAY_BUNDLE } from '../../deploy/image-tree.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Bundles `entry` (a file URL) to `<a fresh temporary folder>/<fileName>` and resolves to its path. */
export async function bundleLikeTheImage(entry: URL, fileName: string): Promise<string> {
  const entryPath = fileURLToPath(entry);
  const outfile = join(await mkdtemp(join(tmpdir(), 'zeroloop-bench-bundle-')), fileName);
  const result = await build({ ...RELAY_BUNDLE, entryPoints: [entryPath], outfile, logLevel: 'warning' });
  if (result.errors.length > 0)
    throw new Error(`bundling ${relative(ROOT, entryPath)} failed: ${String(result.errors[0]?.text)}`);
  return outfile;
}
