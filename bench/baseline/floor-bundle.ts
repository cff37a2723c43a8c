// The floor client bundled as the relay's image bundles relay/main.ts, so the floor runs as the relay does: one .mjs, no type stripping.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { RELAY_BUNDLE } from '../../deploy/image-tree.ts';

let bundled: Promise<string> | undefined;

/** Bundles bench/baseline/floor.ts once per process into a temporary directory; resolves to the .mjs path. */
export function floorBundle(): Promise<string> {
  bundled ??= (async () => {
    const outfile = join(await mkdtemp(join(tmpdir(), 'zeroloop-floor-bundle-')), 'floor.mjs');
    const result = await build({
      ...RELAY_BUNDLE,
      entryPoints: [fileURLToPath(new URL('./floor.ts', import.meta.url))],
      outfile,
      logLevel: 'warning',
    });
    if (result.errors.length > 0)
      throw new Error(`bundling bench/baseline/floor.ts failed: ${String(result.errors[0]?.text)}`);
    return outfile;
  })();
  return bundled;
}
