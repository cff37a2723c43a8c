// Builds Go commands from a pinned module (a go.mod and go.sum of ours) into the per-user cache, once per pin, under a lock.
//
// helm, prometheus/promtool and the image tool are built this way: `go build` of the module's packages into
// ~/.cache/zeroloop/<name>-<version>-<hash>/, where the hash covers the recipe, go.mod, go.sum and any
// source files of the module, so a fresh clone on the same machine reuses the binaries and a changed pin
// builds anew. Concurrent callers share one build; progress is logged while the compiler works.
import { createHash } from 'node:crypto';
import { access, constants, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { defaultCacheRoot } from './build.ts';
import { BinaryBuildFailed } from './errors.ts';
import { runGo } from './gocmd.ts';
import { withDirLock } from './lock.ts';
import { stderrLogger, type Logger } from '../relay/observe/log.ts';

export interface GoToolSpec {
  /** Names the cache folder and the log component: `helm`, `prometheus`, `imagetool`. */
  readonly name: string;
  /** The folder holding the pinning go.mod and go.sum. */
  readonly moduleDir: string;
  /** The required module whose version names the pin, e.g. `helm.sh/helm/v3`. */
  readonly versionOf: string;
  /** What the build does beyond go.mod (flags, tags); bump it when that changes. Part of the cache key. */
  readonly recipe: string;
  /** Sources of the module itself (e.g. `main.go`), part of the cache key. */
  readonly sourceFiles?: readonly string[];
  /** `go build` flags and packages (after `build -v -o <dir>/`), given the pinned version. */
  readonly buildArgs: (version: string) => readonly string[];
  /** The executables the build writes. */
  readonly binaries: readonly string[];
  /** More environment for `go build` (e.g. CGO_ENABLED=0). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface GoTool {
  /** The cache folder of this pin. */
  readonly dir: string;
  /** The version of `versionOf` that go.mod pins. */
  readonly version: string;
  /** Each binary's path, by name. */
  readonly paths: Readonly<Record<string, string>>;
  /** Set when this call built the tool. */
  readonly buildMs?: number;
  readonly compiledPackages?: number;
}

/** The pinned version and the cache folder of `spec`, without building anything. */
export async function planGoTool(spec: GoToolSpec, env: NodeJS.ProcessEnv = process.env): Promise<GoTool> {
  const [goMod = '', goSum = '', ...sources] = await Promise.all(
    ['go.mod', 'go.sum', ...(spec.sourceFiles ?? [])].map((f) => readFile(join(spec.moduleDir, f), 'utf8')),
  );
  const escaped = spec.versionOf.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const version = new RegExp(`^\\s*(?:require\\s+)?${escaped} (v\\S+)`, 'm').exec(goMod)?.[1];
  if (version === undefined)
    throw new Error(`${join(spec.moduleDir, 'go.mod')} does not require ${spec.versionOf}`);
  const hash = createHash('sha256')
    .update([spec.recipe, goMod, goSum, ...sources].join('\n'))
    .digest('hex')
    .slice(0, 12);
  const dir = join(defaultCacheRoot(env), `${spec.name}-${version}-${hash}`);
  return { dir, version, paths: Object.fromEntries(spec.binaries.map((b) => [b, join(dir, b)])) };
}

/** Returns the tool, building it first if this pin was never built on this machine. */
export async function ensureGoTool(
  spec: GoToolSpec,
  options: { logger?: Logger; heartbeatMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<GoTool> {
  const log = options.logger ?? stderrLogger(`${spec.name}.build`);
  const env = options.env ?? process.env;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const plan = await planGoTool(spec, env);
  const ready = () =>
    Promise.all(Object.values(plan.paths).map((p) => access(p, constants.X_OK))).then(
      () => true,
      () => false,
    );
  if (await ready()) return plan;
  await mkdir(dirname(plan.dir), { recursive: true });
  let lastWaitLog = 0;
  return withDirLock(
    `${plan.dir}.lock`,
    async () => {
      if (await ready()) return plan;
      const started = Date.now();
      log.info('build.start', {
        message: `building ${spec.binaries.join(', ')} (${spec.versionOf} ${plan.version}) from Go modules once`,
        dir: plan.dir,
      });
      const staging = `${plan.dir}.tmp-${String(process.pid)}`;
      await rm(staging, { recursive: true, force: true });
      await mkdir(staging, { recursive: true });
      let compiled = 0;
      let last = '';
      const heartbeat = setInterval(() => {
        log.info('build.progress', { elapsedMs: Date.now() - started, compiledPackages: compiled, last });
      }, heartbeatMs);
      try {
        // One `go build` for every binary: the packages they share compile once.
        const args = ['build', '-v', '-o', `${staging}/`, ...spec.buildArgs(plan.version)];
        const run = await runGo(args, {
          cwd: spec.moduleDir,
          env: { ...env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod', ...spec.env },
          onStderrLine: (line) => {
            // `go build -v` names each package as it compiles it.
            if (/^[\w.-]+(\/[\w.~-]+)*$/.test(line)) {
              compiled++;
              last = line;
            }
          },
        });
        const where = relative(process.cwd(), spec.moduleDir) || spec.moduleDir;
        if (run.code !== 0)
          throw new BinaryBuildFailed(
            `step build-${spec.name}: \`go ${args.join(' ')}\` in ${where} failed (exit ${String(run.code ?? run.signal)}):\n${run.stderrTail.join('\n')}`,
            `read the go error above; if ${where}/go.mod was edited, run \`go mod tidy\` there (GOTOOLCHAIN=local)`,
          );
        const buildMs = Date.now() - started;
        await writeFile(
          join(staging, 'manifest.json'),
          `${JSON.stringify({ version: plan.version, builtAt: new Date().toISOString(), buildMs, compiledPackages: compiled }, null, 2)}\n`,
        );
        await rm(plan.dir, { recursive: true, force: true });
        await rename(staging, plan.dir);
        log.info('build.done', { elapsedMs: buildMs, compiledPackages: compiled, dir: plan.dir });
        return { ...plan, buildMs, compiledPackages: compiled };
      } finally {
        clearInterval(heartbeat);
        await rm(staging, { recursive: true, force: true });
      }
    },
    (owner) => {
      if (Date.now() - lastWaitLog < heartbeatMs) return;
      lastWaitLog = Date.now();
      log.info('build.waiting', {
        message: `another process (pid ${String(owner)}) is building ${spec.name}`,
      });
    },
  );
}
