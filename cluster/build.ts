// Builds etcd, kube-apiserver, kube-controller-manager, kube-scheduler and KWOK into a per-user cache, once per pin.
import { access, chmod, constants, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BinaryBuildFailed, GoToolchainMissing, ModuleDownloadFailed } from './errors.ts';
import { classifyGoFailure, GoSpawnFailed, parseGoVersion, runGo, versionAtLeast } from './gocmd.ts';
import type { GoRun } from './gocmd.ts';
import { withDirLock } from './lock.ts';
import { cacheKey, parsePins, versionLdflags } from './pins.ts';
import type { Pins } from './pins.ts'; /** The Go module that pins the control plane. */
export const GO_MODULE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'gomod');
import { errorMessage } from '../src/error-message.ts';
import { stderrLogger, type Logger } from '../relay/observe/log.ts';
/** The Go module that pins KWOK (its own: it needs newer k8s.io libraries than the control plane). */
export const KWOK_MODULE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'kwokmod');

type BinaryName = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kwok';

/** One `go build` run: the main packages of one module, compiled together so they share work. */
interface BuildGroup {
  readonly module: 'gomod' | 'kwokmod';
  readonly targets: readonly { readonly name: BinaryName; readonly pkg: string }[];
}

/** What gets built: output file name → Go main package, per module. Part of the cache key (see RECIPE). */
const GROUPS: readonly BuildGroup[] = [
  {
    module: 'gomod',
    targets: [
      { name: 'etcd', pkg: 'go.etcd.io/etcd/server/v3' },
      { name: 'kube-apiserver', pkg: 'k8s.io/kubernetes/cmd/kube-apiserver' },
      { name: 'kube-controller-manager', pkg: 'k8s.io/kubernetes/cmd/kube-controller-manager' },
      { name: 'kube-scheduler', pkg: 'k8s.io/kubernetes/cmd/kube-scheduler' },
    ],
  },
  { module: 'kwokmod', targets: [{ name: 'kwok', pkg: 'sigs.k8s.io/kwok/cmd/kwok' }] },
];

/**
 * `-trimpath` (no local paths in the binaries) and `-s -w` (no symbol table, no DWARF: a shorter link and
 * binaries a third smaller; as Kubernetes' own release builds). Kubernetes 1.35 has no build tags that drop
 * code any more (`providerless` left with the in-tree cloud providers).
 */
const BUILD_FLAGS = ['-trimpath'] as const;
const STRIP_LDFLAGS = '-s -w';

/** Bump when the build recipe changes in a way that needs new binaries. */
const RECIPE = `recipe-2 ${BUILD_FLAGS.join(' ')} ${STRIP_LDFLAGS} ${GROUPS.flatMap((g) =>
  g.targets.map((t) => `${g.module}:${t.name}=${t.pkg}`),
).join(' ')}`;

export interface Binaries {
  readonly dir: string;
  readonly pins: Pins;
  readonly etcd: string;
  readonly kubeApiserver: string;
  readonly kubeControllerManager: string;
  readonly kubeScheduler: string;
  readonly kwok: string;
}

/** Every executable of a build, as `complete()` checks them. */
export function binaryPaths(binaries: Binaries): string[] {
  return [
    binaries.etcd,
    binaries.kubeApiserver,
    binaries.kubeControllerManager,
    binaries.kubeScheduler,
    binaries.kwok,
  ];
}

export interface EnsureBinariesOptions {
  readonly logger?: Logger;
  /** Defaults to `$XDG_CACHE_HOME/zeroloop` or `~/.cache/zeroloop`. */
  readonly cacheRoot?: string;
  readonly goModuleDir?: string;
  readonly kwokModuleDir?: string;
  /** Environment for `go` (defaults to process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Interval of "still building" progress lines. */
  readonly heartbeatMs?: number;
}

/** The per-user cache root. It lives outside the clone so a fresh CI clone on the same machine reuses it. */
export function defaultCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'zeroloop');
}

function binariesIn(dir: string, pins: Pins): Binaries {
  return {
    dir,
    pins,
    etcd: join(dir, 'bin', 'etcd'),
    kubeApiserver: join(dir, 'bin', 'kube-apiserver'),
    kubeControllerManager: join(dir, 'bin', 'kube-controller-manager'),
    kubeScheduler: join(dir, 'bin', 'kube-scheduler'),
    kwok: join(dir, 'bin', 'kwok'),
  };
}

async function complete(binaries: Binaries): Promise<boolean> {
  try {
    await access(join(binaries.dir, 'manifest.json'));
    for (const path of binaryPaths(binaries)) {
      await access(path, constants.X_OK);
    }
    return true;
  } catch {
    return false;
  }
}

/** Where the binaries of the current pins live (or will live), without building anything. */
export async function planBinaries(
  options: Pick<EnsureBinariesOptions, 'cacheRoot' | 'goModuleDir' | 'kwokModuleDir' | 'env'> = {},
): Promise<{ pins: Pins; key: string; binaries: Binaries }> {
  const read = (dir: string, file: string) => readFile(join(dir, file), 'utf8');
  const moduleDir = options.goModuleDir ?? GO_MODULE_DIR;
  const kwokDir = options.kwokModuleDir ?? KWOK_MODULE_DIR;
  const files = await Promise.all([
    read(moduleDir, 'go.mod'),
    read(moduleDir, 'go.sum'),
    read(kwokDir, 'go.mod'),
    read(kwokDir, 'go.sum'),
  ]);
  const pins = parsePins(files[0], files[2]);
  const key = cacheKey(pins, files, RECIPE);
  const cacheRoot = options.cacheRoot ?? defaultCacheRoot(options.env);
  return { pins, key, binaries: binariesIn(join(cacheRoot, key), pins) };
}

/**
 * Returns the control-plane binaries (and KWOK's) for the pinned versions, building them first if this pin has
 * never been built on this machine. Concurrent callers share one build (a lock in the cache root).
 */
export async function ensureBinaries(options: EnsureBinariesOptions = {}): Promise<Binaries> {
  const log = options.logger ?? stderrLogger('cluster.build');
  const moduleDirs = {
    gomod: options.goModuleDir ?? GO_MODULE_DIR,
    kwokmod: options.kwokModuleDir ?? KWOK_MODULE_DIR,
  };
  const cacheRoot = options.cacheRoot ?? defaultCacheRoot(options.env);
  const { pins, key, binaries } = await planBinaries(options);
  if (await complete(binaries)) {
    log.debug('build.cached', { dir: binaries.dir });
    return binaries;
  }
  await mkdir(cacheRoot, { recursive: true });
  let lastWaitLog = 0;
  return withDirLock(
    join(cacheRoot, `${key}.lock`),
    async () => {
      if (await complete(binaries)) return binaries; // another process built it while we waited
      await build({ ...options, log, moduleDirs, pins, key, binaries });
      return binaries;
    },
    (owner) => {
      if (Date.now() - lastWaitLog >= (options.heartbeatMs ?? 15_000)) {
        lastWaitLog = Date.now();
        log.info('build.waiting', { message: `another process (pid ${owner}) is building ${key}` });
      }
    },
  );
}

interface BuildContext extends EnsureBinariesOptions {
  readonly log: Logger;
  readonly moduleDirs: Readonly<Record<BuildGroup['module'], string>>;
  readonly pins: Pins;
  readonly key: string;
  readonly binaries: Binaries;
}

async function build(ctx: BuildContext): Promise<void> {
  const { log, pins, key } = ctx;
  const started = Date.now();
  const env: NodeJS.ProcessEnv = { ...(ctx.env ?? process.env), GOTOOLCHAIN: 'local' };
  log.info('build.start', {
    message: `building the control plane ${pins.kubernetes} (etcd ${pins.etcd}, kwok ${pins.kwok}) once; later runs reuse it`,
    cache: ctx.binaries.dir,
  });
  const goVersion = await checkGo(ctx, env);
  const packages: number[] = [];
  for (const group of GROUPS) packages.push(await downloadModules(ctx, env, group));
  const staging = `${ctx.binaries.dir}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(join(staging, 'bin'), { recursive: true });
  try {
    for (const [index, group] of GROUPS.entries()) {
      await buildGroup(ctx, env, group, join(staging, 'bin'), packages[index] ?? 0);
    }
    const manifest = {
      key,
      pins,
      goVersion,
      builtAt: new Date().toISOString(),
      buildMs: Date.now() - started,
    };
    await writeFile(join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    // Atomic install: the final folder appears complete or not at all. Under the lock, anything already
    // there is an incomplete leftover (complete() said no), so it can go.
    await rm(ctx.binaries.dir, { recursive: true, force: true });
    await rename(staging, ctx.binaries.dir);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  log.info('build.done', { elapsedMs: Date.now() - started, dir: ctx.binaries.dir });
}

async function checkGo(ctx: BuildContext, env: NodeJS.ProcessEnv): Promise<string> {
  const need = parseGoVersion(`go${ctx.pins.go}`) ?? [0, 0, 0];
  let run: GoRun;
  try {
    run = await runGo(['version'], { cwd: ctx.moduleDirs.gomod, env });
  } catch (error) {
    if (error instanceof GoSpawnFailed) {
      throw new GoToolchainMissing(
        `step check-go: the \`go\` command was not found (${error.code ?? error.message})`,
        `install Go ${ctx.pins.go} or newer (https://go.dev/dl/) and put it on PATH, then run \`npm run build:cluster\``,
        { cause: error },
      );
    }
    throw error;
  }
  const version = run.stdout.trim();
  const have = parseGoVersion(version);
  if (run.code !== 0 || have === undefined || !versionAtLeast(have, need)) {
    throw new GoToolchainMissing(
      `step check-go: cluster/gomod and cluster/kwokmod need Go ${ctx.pins.go} or newer, found "${version || run.stderrTail.join(' ')}"`,
      `install Go ${ctx.pins.go}+ (GOTOOLCHAIN=local is set, so Go will not download a toolchain by itself)`,
    );
  }
  ctx.log.info('build.go', { version });
  return version;
}

/**
 * Resolves (and downloads, through GOPROXY) every module one group's binaries import; returns the number of
 * packages in their import graph, the denominator of the build progress.
 */
async function downloadModules(
  ctx: BuildContext,
  env: NodeJS.ProcessEnv,
  group: BuildGroup,
): Promise<number> {
  const args = ['list', '-deps', ...BUILD_FLAGS, ...group.targets.map((t) => t.pkg)];
  const cwd = ctx.moduleDirs[group.module];
  const started = Date.now();
  ctx.log.info('build.download.start', {
    module: `cluster/${group.module}`,
    message: 'resolving and downloading Go modules (first time: ~90 MB from the module proxy)',
  });
  const heartbeat = setInterval(() => {
    ctx.log.info('build.download.progress', { elapsedMs: Date.now() - started });
  }, ctx.heartbeatMs ?? 15_000);
  try {
    let run = await runGo(args, { cwd, env });
    if (run.code !== 0 && classifyGoFailure(run.stderrTail.join('\n')) === 'checksum-db') {
      ctx.log.warn('build.download.sumdb-unreachable', {
        message:
          'checksum database unreachable; retrying with GOSUMDB=off (go.sum hashes are still verified)',
        stderr: run.stderrTail.slice(-5),
      });
      run = await runGo(args, { cwd, env: { ...env, GOSUMDB: 'off' } });
    }
    if (run.code !== 0) {
      const stderr = run.stderrTail.join('\n');
      const proxy = env.GOPROXY ?? 'the default GOPROXY (https://proxy.golang.org,direct)';
      throw new ModuleDownloadFailed(
        `step download-modules: \`go ${args.join(' ')}\` failed (exit ${run.code ?? run.signal ?? '?'}):\n${stderr}`,
        classifyGoFailure(stderr) === 'module-proxy'
          ? `the Go module proxy could not be reached (GOPROXY=${proxy}); check the network or set GOPROXY to a reachable proxy`
          : `read the go error above; if go.mod/go.sum were edited, run \`go mod tidy\` in cluster/${group.module}`,
      );
    }
    const packages = run.stdout.split('\n').filter((l) => l.trim() !== '').length;
    ctx.log.info('build.download.done', {
      module: `cluster/${group.module}`,
      elapsedMs: Date.now() - started,
      packages,
    });
    return packages;
  } finally {
    clearInterval(heartbeat);
  }
}

/** The file name `go build -o <dir>` gives a main package: its last path element, minus a `/vN` suffix. */
export function defaultBinaryName(pkg: string): string {
  const parts = pkg.split('/');
  const last = parts.at(-1) ?? pkg;
  return /^v\d+$/.test(last) && parts.length > 1 ? (parts.at(-2) ?? last) : last;
}

async function buildGroup(
  ctx: BuildContext,
  env: NodeJS.ProcessEnv,
  group: BuildGroup,
  binDir: string,
  packages: number,
): Promise<void> {
  const started = Date.now();
  const names = group.targets.map((t) => t.name);
  let compiled = 0;
  let last = '';
  ctx.log.info('build.binary.start', { binaries: names, module: `cluster/${group.module}` });
  const heartbeat = setInterval(() => {
    ctx.log.info('build.binary.progress', {
      binaries: names,
      elapsedMs: Date.now() - started,
      compiledPackages: compiled,
      graphPackages: packages,
      last,
    });
  }, ctx.heartbeatMs ?? 15_000);
  const ldflags =
    group.module === 'gomod' ? `${STRIP_LDFLAGS} ${versionLdflags(ctx.pins.kubernetes)}` : STRIP_LDFLAGS;
  // One `go build` for all of a module's binaries: shared packages compile once, links overlap compiles.
  const args = [
    'build',
    '-v',
    ...BUILD_FLAGS,
    '-ldflags',
    ldflags,
    '-o',
    `${binDir}/`,
    ...group.targets.map((t) => t.pkg),
  ];
  let run: GoRun;
  try {
    run = await runGo(args, {
      cwd: ctx.moduleDirs[group.module],
      env,
      // `go build -v` names each package as it compiles it; cached packages are not printed.
      onStderrLine: (line) => {
        if (/^[\w.-]+(\/[\w.~-]+)*$/.test(line)) {
          compiled++;
          last = line;
        }
      },
    });
  } finally {
    clearInterval(heartbeat);
  }
  if (run.code !== 0) {
    throw new BinaryBuildFailed(
      `step build-${names.join('+')}: \`go ${args.join(' ')}\` in cluster/${group.module} failed (exit ${run.code ?? run.signal ?? '?'}):\n${run.stderrTail.join('\n')}`,
      'read the go error above; a killed build (signal) is safe to rerun, nothing half-built was installed',
    );
  }
  for (const target of group.targets) {
    const output = join(binDir, target.name);
    const built = join(binDir, defaultBinaryName(target.pkg));
    if (built !== output) await rename(built, output);
    await chmod(output, 0o755);
  }
  ctx.log.info('build.binary.done', {
    binaries: names,
    elapsedMs: Date.now() - started,
    compiledPackages: compiled,
  });
}

if (import.meta.main) {
  const log = stderrLogger('cluster.build');
  ensureBinaries({ logger: log }).then(
    (binaries) => {
      log.info('build.ready', { dir: binaries.dir, version: binaries.pins.kubernetes });
    },
    (error: unknown) => {
      log.error('build.failed', { error: errorMessage(error) });
      process.exitCode = 1;
    },
  );
}
