// Benchmarks the daemonless relay image: its size (compressed layers as pushed, unpacked), the image build time, and the cold Go build of the image tool.
//
// The cold tool build runs `go build` with an empty module cache and an empty build cache (modules
// come from the Go module proxy), into a throwaway cache folder, so it measures what a fresh machine
// pays once. `--skip-cold-tool` leaves it out.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildImage } from '../deploy/image/build.ts';
import { ensureImageTool } from '../deploy/image/tool.ts';
import { flattenedEntries, readOciArchive } from '../test/support/oci-image.ts';
import { silentLogger } from '../relay/observe/log.ts';

const run = promisify(execFile);
const progress = (msg: string) =>
  process.stderr.write(`[bench:image] ${new Date().toISOString().slice(11, 19)} ${msg}\n`);
const mib = (n: number) => Math.round((n / 1024 / 1024) * 100) / 100;

async function coldToolBuild(): Promise<{ ms: number; compiledPackages: number | undefined }> {
  const tmp = await mkdtemp(join(tmpdir(), 'zl-bench-imagetool-'));
  try {
    const env = {
      ...process.env,
      XDG_CACHE_HOME: join(tmp, 'cache'),
      GOCACHE: join(tmp, 'gocache'),
      GOMODCACHE: join(tmp, 'gomod'),
    };
    const t0 = Date.now();
    const tool = await ensureImageTool({ env, logger: silentLogger });
    const ms = Date.now() - t0;
    // The module cache is read-only by design; `go clean -modcache` removes it.
    await run('go', ['clean', '-modcache'], { env });
    return { ms, compiledPackages: tool.compiledPackages };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

const skipCold = process.argv.includes('--skip-cold-tool');
let cold: Awaited<ReturnType<typeof coldToolBuild>> | undefined;
if (!skipCold) {
  progress('cold build of the image tool (empty Go module and build caches)');
  cold = await coldToolBuild();
  progress(`cold tool build: ${cold.ms} ms`);
}

progress('building the image (build/image)');
const t0 = Date.now();
const image = await buildImage({ logger: silentLogger });
const buildMs = Date.now() - t0;
progress(`image built in ${buildMs} ms: ${image.archive}`);

const tmp = await mkdtemp(join(tmpdir(), 'zl-bench-image-'));
let unpackedFileBytes = 0;
let files = 0;
let blobs: { config: number; manifest: number };
try {
  const archive = await readOciArchive(image.archive, tmp);
  for (const entry of (await flattenedEntries(archive)).values())
    if (entry.type === '-') {
      unpackedFileBytes += entry.size;
      files++;
    }
  blobs = { config: archive.manifest.config.size, manifest: archive.index.manifests[0]?.size ?? 0 };
} finally {
  await rm(tmp, { recursive: true, force: true });
}

const compressed = image.layers.reduce((n, l) => n + l.compressedBytes, 0);
const uncompressed = image.layers.reduce((n, l) => n + l.uncompressedBytes, 0);
const result = {
  benchmark: 'image',
  date: new Date().toISOString(),
  command: 'npm run bench -- image',
  what: 'the relay image built without a daemon (node deploy/image/build.ts): layer sizes as a registry stores them (gzip) and unpacked, the build time with the tool cached, and the cold Go build of the tool',
  machine: { cpus: availableParallelism(), loadavg: loadavg().map((x) => Math.round(x * 100) / 100) },
  ref: image.ref,
  manifestDigest: image.manifestDigest,
  nodeVersion: image.nodeVersion,
  debs: image.debs,
  size: {
    compressedLayersBytes: compressed,
    compressedLayersMiB: mib(compressed),
    pushedBytes: compressed + blobs.config + blobs.manifest,
    uncompressedLayersBytes: uncompressed,
    unpackedFileBytes,
    unpackedFileMiB: mib(unpackedFileBytes),
    unpackedFiles: files,
    archiveBytes: image.archiveBytes,
    archiveMiB: mib(image.archiveBytes),
    layers: image.layers.map((l) => ({
      createdBy: l.createdBy,
      digest: l.digest,
      compressedBytes: l.compressedBytes,
      compressedMiB: mib(l.compressedBytes),
      uncompressedBytes: l.uncompressedBytes,
      uncompressedMiB: mib(l.uncompressedBytes),
      entries: l.files,
    })),
  },
  buildMs,
  buildStepsMs: image.timings,
  coldToolBuild: cold ?? null,
};
await mkdir(new URL('results/', import.meta.url), { recursive: true });
await writeFile(new URL('results/image.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
progress(
  `compressed ${mib(compressed)} MiB (${image.layers.map((l) => mib(l.compressedBytes)).join(' + ')}), unpacked ${mib(unpackedFileBytes)} MiB in ${files} files; bench/results/image.json`,
);
