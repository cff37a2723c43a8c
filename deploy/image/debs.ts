// Fetches the Debian packages the image's base layer is cut from (glibc, libstdc++, libgcc_s, CA certificates) into ~/.cache/zeroloop/debs/ and unpacks them.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { defaultCacheRoot } from '../../cluster/build.ts';
import { silentLogger, type Logger } from '../../relay/observe/log.ts';

const run = promisify(execFile);

/** What distroless' cc image holds, as Debian packages: the dynamic loader and libc, C++ runtime, CAs. */
export const BASE_PACKAGES = ['libc6', 'libstdc++6', 'libgcc-s1', 'ca-certificates'] as const;

export interface Deb {
  readonly package: string;
  readonly version: string;
  readonly architecture: string;
  readonly path: string;
}

/** A package could not be downloaded or read; says which and what to do. */
export class DebFetchFailed extends Error {
  override readonly name = 'DebFetchFailed';
  readonly package: string;
  constructor(pkg: string, problem: string, cause?: unknown) {
    super(`Debian package ${pkg}: ${problem}`, { cause });
    this.package = pkg;
  }
}

export function debCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(defaultCacheRoot(env), 'debs');
}

async function field(path: string, name: string): Promise<string> {
  return (await run('dpkg-deb', ['-f', path, name])).stdout.trim();
}

async function describe(path: string): Promise<Deb> {
  return {
    package: await field(path, 'Package'),
    version: await field(path, 'Version'),
    architecture: await field(path, 'Architecture'),
    path,
  };
}

/**
 * The .deb of each package: from the cache when present (no network), else `apt-get download` (needs a
 * Debian machine with `apt-get update` run once). `refresh` downloads again (a newer security release).
 */
export async function ensureDebs(
  options: { log: Logger; refresh?: boolean; env?: NodeJS.ProcessEnv } = { log: silentLogger },
): Promise<Deb[]> {
  const dir = debCacheDir(options.env);
  await mkdir(dir, { recursive: true });
  const cached = async (pkg: string) =>
    (await readdir(dir)).filter((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb')).sort();
  const missing: string[] = [];
  for (const pkg of BASE_PACKAGES)
    if (options.refresh === true || (await cached(pkg)).length === 0) missing.push(pkg);
  if (missing.length > 0) {
    options.log.info('debs.download', { packages: missing, dir });
    const tmp = await mkdtemp(join(dir, '.download-'));
    try {
      const download = () => run('apt-get', ['download', ...missing], { cwd: tmp });
      await download()
        .catch(async (error: unknown) => {
          // A fresh machine has no package lists yet: as root, fetch them once (as the chromium test does).
          if (process.getuid?.() !== 0) throw error;
          options.log.info('debs.apt-update', {
            message: 'apt-get download failed; running apt-get update once',
          });
          await run('apt-get', ['update']);
          return download();
        })
        .catch((error: unknown) => {
          const stderr = (error as { stderr?: string }).stderr ?? String(error);
          throw new DebFetchFailed(
            missing.join(' '),
            `\`apt-get download\` failed: ${stderr.trim()}; on Debian/Ubuntu run \`apt-get update\` once (as root), then build again`,
            error,
          );
        });
      for (const file of await readdir(tmp)) {
        const pkg = file.split('_')[0] ?? '';
        for (const old of await cached(pkg)) await rm(join(dir, old));
        await rename(join(tmp, file), join(dir, file));
      }
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
  const debs: Deb[] = [];
  for (const pkg of BASE_PACKAGES) {
    const file = (await cached(pkg)).at(-1);
    if (file === undefined) throw new DebFetchFailed(pkg, `apt-get download left no ${pkg}_*.deb in ${dir}`);
    const deb = await describe(join(dir, file)).catch((error: unknown) => {
      throw new DebFetchFailed(pkg, `cannot read ${join(dir, file)} (delete it and build again)`, error);
    });
    debs.push(deb);
  }
  return debs;
}

/** Unpacks every package's files (not its scripts) into `dir`, as `dpkg-deb -x` does. */
export async function unpackDebs(debs: readonly Deb[], dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const deb of debs) await run('dpkg-deb', ['-x', deb.path, dir]);
}
