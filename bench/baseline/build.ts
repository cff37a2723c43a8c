// Builds the controller-runtime baseline operator (bench/baseline) into the per-user cache, once per source hash.
import { createHash } from 'node:crypto';
import { access, chmod, constants, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultCacheRoot } from '../../cluster/build.ts';
import { BinaryBuildFailed, GoToolchainMissing, ModuleDownloadFailed } from '../../cluster/errors.ts';
import { classifyGoFailure, GoSpawnFailed, runGo } from '../../cluster/gocmd.ts';
import type { GoRun } from '../../cluster/gocmd.ts';
import { withDirLock } from '../../cluster/lock.ts';
import { errorMessage } from '../../src/error-message.ts';
import { stderrLogger, type Logger } from '../../relay/observe/log.ts';

/** The Go module of the baseline operator (one package, `main`). */
export const BASELINE_MODULE_DIR = dirname(fileURLToPath(import.meta.url));

/** Bump when the build recipe changes in a way that needs a new binary. */
const RECIPE = 'baseline-recipe-1 go build -o baseline .';

export interface BaselineBinary {
  /** The executable. */
  readonly path: string;
  readonly dir: string;
  readonly key: string;
}

export interface EnsureBaselineOptions {
  readonly logger?: Logger;
  /** Defaults to the control plane's cache root (`~/.cache/zeroloop`). */
  readonly cacheRoot?: string;
  /** Environment for `go` (defaults to process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Interval of "still building" progress lines. */
  readonly heartbeatMs?: number;
}

/** The cache key: a hash of go.mod, go.sum, every .go source but tests, and the recipe. */
export async function baselineKey(moduleDir = BASELINE_MODULE_DIR): Promise<string> {
  const hash = createHash('sha256').update(RECIPE);
  const files = (await readdir(moduleDir)).filter(
    (f) => f === 'go.mod' || f === 'go.sum' || (f.endsWith('.go') && !f.endsWith('_test.go')),
  );
  for (const file of files.sort()) {
    hash.update(`\0${file}\0`).update(await readFile(join(moduleDir, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

async function complete(binary: BaselineBinary): Promise<boolean> {
  try {
    await access(join(binary.dir, 'manifest.json'));
    await access(binary.path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Returns the baseline operator's executable, building it first if these sources were never built here. */
export async function ensureBaseline(options: EnsureBaselineOptions = {}): Promise<BaselineBinary> {
  const log = options.logger ?? stderrLogger('bench.baseline.build');
  const cacheRoot = options.cacheRoot ?? defaultCacheRoot(options.env);
  const key = await baselineKey();
  const dir = join(cacheRoot, `baseline-${key}`);
  const binary: BaselineBinary = { path: join(dir, 'baseline'), dir, key };
  if (await complete(binary)) return binary;
  await mkdir(cacheRoot, { recursive: true });
  let lastWaitLog = 0;
  return withDirLock(
    join(cacheRoot, `baseline-${key}.lock`),
    async () => {
      if (await complete(binary)) return binary; // another process built it while we waited
      await build(binary, log, options);
      return binary;
    },
    (owner) => {
      if (Date.now() - lastWaitLog >= (options.heartbeatMs ?? 15_000)) {
        lastWaitLog = Date.now();
        log.info('build.waiting', { message: `another process (pid ${owner}) is building ${dir}` });
      }
    },
  );
}

async function build(binary: BaselineBinary, log: Logger, options: EnsureBaselineOptions): Promise<void> {
  const started = Date.now();
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  let env: NodeJS.ProcessEnv = { ...(options.env ?? process.env), GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod' };
  const go = (args: string[], onStderrLine?: (line: string) => void): Promise<GoRun> =>
    runGo(args, { cwd: BASELINE_MODULE_DIR, env, ...(onStderrLine ? { onStderrLine } : {}) }).catch(
      (error: unknown) => {
        if (error instanceof GoSpawnFailed) {
          throw new GoToolchainMissing(
            `step check-go: the \`go\` command was not found (${error.code ?? error.message})`,
            'install Go 1.25 or newer and put it on PATH (GOTOOLCHAIN=local: Go will not download one)',
            { cause: error },
          );
        }
        throw error;
      },
    );
  log.info('build.start', {
    message: 'building the controller-runtime baseline operator once; later runs reuse it',
    dir: binary.dir,
  });

  // Step 1: resolve and download modules; the package count is the denominator of the progress.
  const listArgs = ['list', '-deps', '.'];
  let list = await go(listArgs);
  if (list.code !== 0 && classifyGoFailure(list.stderrTail.join('\n')) === 'checksum-db') {
    log.warn('build.download.sumdb-unreachable', {
      message: 'checksum database unreachable; retrying with GOSUMDB=off (go.sum hashes are still verified)',
    });
    env = { ...env, GOSUMDB: 'off' };
    list = await go(listArgs);
  }
  if (list.code !== 0) {
    throw new ModuleDownloadFailed(
      `step download-modules: \`go ${listArgs.join(' ')}\` in bench/baseline failed (exit ${list.code ?? list.signal ?? '?'}):\n${list.stderrTail.join('\n')}`,
      'check that the Go module proxy is reachable (GOPROXY); if go.mod was edited, run `GOTOOLCHAIN=local go mod tidy` in bench/baseline',
    );
  }
  const packages = list.stdout.split('\n').filter((l) => l.trim() !== '').length;

  // Step 2: go build -v into a staging folder, then an atomic rename.
  const staging = `${binary.dir}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  let compiled = 0;
  let last = '';
  const heartbeat = setInterval(() => {
    log.info('build.progress', {
      elapsedMs: Date.now() - started,
      compiledPackages: compiled,
      graphPackages: packages,
      last,
    });
  }, heartbeatMs);
  const buildArgs = ['build', '-v', '-o', join(staging, 'baseline'), '.'];
  try {
    const run = await go(buildArgs, (line) => {
      // `go build -v` names each package it compiles; cached packages are not printed.
      if (/^[\w.-]+(\/[\w.~-]+)*$/.test(line)) {
        compiled++;
        last = line;
      }
    });
    if (run.code !== 0) {
      throw new BinaryBuildFailed(
        `step build-baseline: \`go ${buildArgs.join(' ')}\` in bench/baseline failed (exit ${run.code ?? run.signal ?? '?'}):\n${run.stderrTail.join('\n')}`,
        'read the go error above; a killed build is safe to rerun, nothing half-built was installed',
      );
    }
    await chmod(join(staging, 'baseline'), 0o755);
    const version = (await go(['version'])).stdout.trim();
    const manifest = {
      key: binary.key,
      goVersion: version,
      builtAt: new Date().toISOString(),
      buildMs: Date.now() - started,
      compiledPackages: compiled,
    };
    await writeFile(join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    await rm(binary.dir, { recursive: true, force: true }); // an incomplete leftover, under the lock
    await rename(staging, binary.dir);
  } finally {
    clearInterval(heartbeat);
    await rm(staging, { recursive: true, force: true });
  }
  log.info('build.done', {
    elapsedMs: Date.now() - started,
    compiledPackages: compiled,
    path: binary.path,
  });
}

if (import.meta.main) {
  const log = stderrLogger('bench.baseline.build');
  ensureBaseline({ logger: log }).then(
    (binary) => {
      log.info('build.ready', { path: binary.path });
    },
    (error: unknown) => {
      log.error('build.failed', { error: errorMessage(error) });
      process.exitCode = 1;
    },
  );
}
