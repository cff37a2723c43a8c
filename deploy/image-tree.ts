// Builds the exact file tree the relay image holds at /app: one esbuild bundle of relay/main.ts, no node_modules.
//
// `node deploy/image-tree.ts [outDir]` (default build/image/app) is what deploy/Dockerfile's build
// stage runs; tests run the relay from the same tree, so the image's content is tested where no
// container daemon exists. Every runtime dependency (zod, undici, js-yaml) is bundled: nothing to install.
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const DEFAULT_IMAGE_TREE = join(ROOT, 'build', 'image', 'app');
/** The entry point in the tree, as deploy/relay/deployment.yaml's command names it (WORKDIR /app). */
export const ENTRY = 'relay.mjs';

export interface ImageFile {
  path: string;
  bytes: number;
}

/** Every file under `dir`, relative, with its size, sorted. */
export async function listTree(dir: string): Promise<ImageFile[]> {
  const out: ImageFile[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out.push({ path: relative(dir, path), bytes: (await stat(path)).size });
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** How relay.mjs is bundled (one ESM file for Node 24, every dependency inside); benchmarks bundle variants alike. */
export const RELAY_BUNDLE = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  minify: false,
  legalComments: 'linked',
  // Bundled ESM code that calls require() (undici's optional deps) needs one.
  banner: {
    js: "import { createRequire as __zlRequire } from 'node:module'; const require = __zlRequire(import.meta.url);",
  },
} as const satisfies BuildOptions;

/** Replaces `outDir` with the image's /app: the bundle and its license notices. */
export async function buildImageTree(outDir: string = DEFAULT_IMAGE_TREE): Promise<ImageFile[]> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const result = await build({
    ...RELAY_BUNDLE,
    entryPoints: [join(ROOT, 'relay', 'main.ts')],
    outfile: join(outDir, ENTRY),
    logLevel: 'warning',
    metafile: true,
  });
  if (result.errors.length > 0)
    throw new Error(`bundling relay/main.ts failed: ${String(result.errors[0]?.text)}`);
  await writeFile(
    join(outDir, 'package.json'),
    JSON.stringify({ name: 'zeroloop-relay', private: true, type: 'module' }, null, 2) + '\n',
  );
  return listTree(outDir);
}

if (import.meta.main) {
  const outDir = process.argv[2] ?? DEFAULT_IMAGE_TREE;
  const files = await buildImageTree(outDir);
  for (const f of files) process.stdout.write(`${String(f.bytes).padStart(9)}  ${f.path}\n`);
  process.stdout.write(`${String(files.reduce((n, f) => n + f.bytes, 0)).padStart(9)}  total (${outDir})\n`);
}
