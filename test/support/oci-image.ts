// Reads an OCI image archive as a container runtime does, with GNU tar and no container library: index, manifest, config, each layer's entries, and the layers unpacked in order into a root filesystem (whiteouts honoured).
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import * as z from 'zod/mini';

const run = promisify(execFile);
const MAX_BUFFER = 64 * 1024 * 1024;

const Descriptor = z.looseObject({
  mediaType: z.string(),
  digest: z.string().check(z.regex(/^sha256:[0-9a-f]{64}$/)),
  size: z.number(),
  annotations: z.optional(z.record(z.string(), z.string())),
});
const Index = z.looseObject({ schemaVersion: z.literal(2), manifests: z.array(Descriptor) });
const Manifest = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.literal('application/vnd.oci.image.manifest.v1+json'),
  config: Descriptor,
  layers: z.array(Descriptor),
});
export const OciConfig = z.looseObject({
  architecture: z.string(),
  os: z.string(),
  created: z.optional(z.string()),
  config: z.looseObject({
    Entrypoint: z.optional(z.array(z.string())),
    Cmd: z.optional(z.array(z.string())),
    Env: z.optional(z.array(z.string())),
    User: z.optional(z.string()),
    WorkingDir: z.optional(z.string()),
    ExposedPorts: z.optional(z.record(z.string(), z.object({}))),
    Labels: z.optional(z.record(z.string(), z.string())),
  }),
  rootfs: z.looseObject({ type: z.literal('layers'), diff_ids: z.array(z.string()) }),
  history: z.optional(z.array(z.looseObject({ created_by: z.optional(z.string()) }))),
});
export type OciConfig = z.infer<typeof OciConfig>;
const DockerManifest = z.array(
  z.looseObject({ Config: z.string(), RepoTags: z.array(z.string()), Layers: z.array(z.string()) }),
);

export interface OciArchive {
  /** Where the archive was unpacked (oci-layout, index.json, blobs/, manifest.json). */
  readonly dir: string;
  readonly index: z.infer<typeof Index>;
  readonly manifestDigest: string;
  readonly manifest: z.infer<typeof Manifest>;
  readonly config: OciConfig;
  /** The docker-archive manifest.json beside the layout. */
  readonly dockerManifest: z.infer<typeof DockerManifest>;
  /** Each layer blob's file, in order. */
  readonly layerFiles: readonly string[];
}

const blob = (dir: string, digest: string) => join(dir, 'blobs', ...digest.split(':'));

/** Unpacks `archive` into `dir` and parses its index, manifest, config and manifest.json. */
export async function readOciArchive(archive: string, dir: string): Promise<OciArchive> {
  await mkdir(dir, { recursive: true });
  await run('tar', ['-xf', archive, '-C', dir]);
  const json = async (path: string): Promise<unknown> => JSON.parse(await readFile(path, 'utf8'));
  const index = Index.parse(await json(join(dir, 'index.json')));
  const only = index.manifests[0];
  if (index.manifests.length !== 1 || only === undefined)
    throw new Error(`${archive}: index.json lists ${index.manifests.length} manifests, expected 1`);
  const manifest = Manifest.parse(await json(blob(dir, only.digest)));
  return {
    dir,
    index,
    manifestDigest: only.digest,
    manifest,
    config: OciConfig.parse(await json(blob(dir, manifest.config.digest))),
    dockerManifest: DockerManifest.parse(await json(join(dir, 'manifest.json'))),
    layerFiles: manifest.layers.map((l) => blob(dir, l.digest)),
  };
}

export interface TarEntry {
  /** `-` file, `d` folder, `l` symlink, `h` hard link. */
  type: string;
  /** Permission bits as `ls` shows them (`rwxr-xr-x`, `rwxrwxrwt`). */
  mode: string;
  uid: number;
  gid: number;
  size: number;
  /** Without a trailing slash. */
  path: string;
  link?: string;
}

/** One line of `tar --numeric-owner -tv`: `-rw-r--r-- 0/0  70 2026-12-07 11:02 app/package.json`. */
export function parseTarLine(line: string): TarEntry {
  const m = /^([-dlhcbp])(\S{9})\s+(\d+)\/(\d+)\s+(\d+)\s+\d{4}-\d\d-\d\d \d\d:\d\d\s(.+)$/.exec(line);
  if (m === null) throw new Error(`not a tar listing line: ${JSON.stringify(line)}`);
  const [, type = '', mode = '', uid = '', gid = '', size = '', rest = ''] = m;
  const [path = '', link] =
    type === 'l' ? rest.split(' -> ') : type === 'h' ? rest.split(' link to ') : [rest];
  return {
    type,
    mode,
    uid: Number(uid),
    gid: Number(gid),
    size: Number(size),
    path: path.replace(/\/$/, ''),
    ...(link !== undefined ? { link } : {}),
  };
}

/** Every entry of one (gzipped) layer, in archive order. */
export async function layerEntries(layerFile: string): Promise<TarEntry[]> {
  const { stdout } = await run('tar', ['--numeric-owner', '-tvzf', layerFile], { maxBuffer: MAX_BUFFER });
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map(parseTarLine);
}

/** The image's files after every layer, as a runtime's union would show them, keyed by path. */
export async function flattenedEntries(image: OciArchive): Promise<Map<string, TarEntry>> {
  const files = new Map<string, TarEntry>();
  for (const layer of image.layerFiles) applyLayer(files, await layerEntries(layer));
  return files;
}

function applyLayer(files: Map<string, TarEntry>, entries: readonly TarEntry[]): void {
  for (const entry of entries) {
    const name = basename(entry.path);
    const parent = dirname(entry.path);
    const under = (dir: string) => (p: string) => dir === '.' || p.startsWith(`${dir}/`);
    if (name === '.wh..wh..opq') {
      for (const p of [...files.keys()].filter(under(parent))) files.delete(p);
    } else if (name.startsWith('.wh.')) {
      const gone = join(parent, name.slice(4));
      for (const p of [...files.keys()].filter((p) => p === gone || under(gone)(p))) files.delete(p);
    } else files.set(entry.path, entry);
  }
}

/**
 * Unpacks the layers in order into `rootfs` (as root: owners and modes kept): a whiteout `.wh.NAME`
 * removes NAME from the layers below, an opaque `.wh..wh..opq` empties its folder, then the layer's
 * other entries are extracted.
 */
export async function unpackLayers(image: OciArchive, rootfs: string): Promise<void> {
  await mkdir(rootfs, { recursive: true });
  for (const layer of image.layerFiles) {
    for (const entry of await layerEntries(layer)) {
      const name = basename(entry.path);
      const parent = join(rootfs, dirname(entry.path));
      if (name === '.wh..wh..opq') {
        for (const child of await readdir(parent).catch(() => []))
          await rm(join(parent, child), { recursive: true, force: true });
      } else if (name.startsWith('.wh.')) {
        await rm(join(parent, name.slice(4)), { recursive: true, force: true });
      }
    }
    await run('tar', ['-xzpf', layer, '-C', rootfs, '--numeric-owner', '--same-owner', '--exclude=.wh.*']);
  }
}
