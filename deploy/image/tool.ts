// Builds deploy/image/main.go and go-containerregistry's crane (pinned in deploy/image/go.mod) into the per-user cache (~/.cache/zeroloop/imagetool-<version>-<hash>/), once per pin.
import { createHash } from 'node:crypto';
import { access, constants, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultCacheRoot } from '../../cluster/build.ts';
import { BinaryBuildFailed } from '../../cluster/errors.ts';
import { runGo } from '../../cluster/gocmd.ts';
import { withDirLock } from '../../cluster/lock.ts';
import type { Logger } from '../../cluster/log.ts';
import { createLogger } from '../../cluster/log.ts';

const MODULE_DIR = dirname(fileURLToPath(import.meta.url));
/** Bump when the recipe changes in a way that needs a new binary. */
const RECIPE = 'imagetool-recipe-2 -trimpath -s -w imagetool crane';
const CRANE = 'github.com/google/go-containerregistry/cmd/crane';

export interface ImageTool {
  /** The imagetool executable. */
  readonly path: string;
  /** go-containerregistry's crane, the same version: push, copy, inspect images and `crane registry serve`. */
  readonly crane: string;
  /** The go-containerregistry version go.mod pins. */
  readonly version: string;
}

/** The pinned version and the cache folder of this pin (go.mod, go.sum and main.go are in the key). */
export async function planImageTool(
  env: NodeJS.ProcessEnv = process.env,
): Promise<ImageTool & { dir: string }> {
  const [goMod, goSum, main] = await Promise.all(
    ['go.mod', 'go.sum', 'main.go'].map((f) => readFile(join(MODULE_DIR, f), 'utf8')),
  );
  const version = /^\s*require github\.com\/google\/go-containerregistry (v\S+)/m.exec(goMod ?? '')?.[1];
  if (version === undefined)
    throw new Error('deploy/image/go.mod does not require github.com/google/go-containerregistry');
  const hash = createHash('sha256')
    .update(`${RECIPE}\n${goMod}\n${goSum}\n${main}`)
    .digest('hex')
    .slice(0, 12);
  const dir = join(defaultCacheRoot(env), `imagetool-${version}-${hash}`);
  return { dir, path: join(dir, 'imagetool'), crane: join(dir, 'crane'), version };
}

/** Returns the image tool, building it first (about 30 s cold on 2 cores) if this pin was never built here. */
export async function ensureImageTool(
  options: { logger?: Logger; heartbeatMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<ImageTool & { buildMs?: number; compiledPackages?: number }> {
  const log = options.logger ?? createLogger('image.tool');
  const env = options.env ?? process.env;
  const plan = await planImageTool(env);
  const ready = () =>
    Promise.all([access(plan.path, constants.X_OK), access(plan.crane, constants.X_OK)]).then(
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
      log('info', 'build.start', {
        message: `building imagetool and crane (go-containerregistry ${plan.version}) from Go modules once`,
        dir: plan.dir,
      });
      const staging = `${plan.dir}.tmp-${process.pid}`;
      await rm(staging, { recursive: true, force: true });
      await mkdir(staging, { recursive: true });
      let compiled = 0;
      let last = '';
      const heartbeat = setInterval(() => {
        log('info', 'build.progress', { elapsedMs: Date.now() - started, compiledPackages: compiled, last });
      }, options.heartbeatMs ?? 10_000);
      try {
        // One `go build` for both: the shared packages compile once. `.` is written as `imagetool` (the module's last element).
        const args = ['build', '-v', '-trimpath', '-ldflags', '-s -w', '-o', `${staging}/`, '.', CRANE];
        const run = await runGo(args, {
          cwd: MODULE_DIR,
          env: { ...env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod' },
          onStderrLine: (line) => {
            if (/^[\w.-]+(\/[\w.~-]+)*$/.test(line)) {
              compiled++;
              last = line;
            }
          },
        });
        if (run.code !== 0)
          throw new BinaryBuildFailed(
            `step build-imagetool: \`go ${args.join(' ')}\` in deploy/image failed (exit ${String(run.code ?? run.signal)}):\n${run.stderrTail.join('\n')}`,
            'read the go error above; if deploy/image/go.mod was edited, run `go mod tidy` there (GOTOOLCHAIN=local)',
          );
        const buildMs = Date.now() - started;
        await writeFile(
          join(staging, 'manifest.json'),
          `${JSON.stringify({ version: plan.version, builtAt: new Date().toISOString(), buildMs, compiledPackages: compiled }, null, 2)}\n`,
        );
        await rm(plan.dir, { recursive: true, force: true });
        await rename(staging, plan.dir);
        log('info', 'build.done', { elapsedMs: buildMs, compiledPackages: compiled, path: plan.path });
        return { ...plan, buildMs, compiledPackages: compiled };
      } finally {
        clearInterval(heartbeat);
        await rm(staging, { recursive: true, force: true });
      }
    },
    (owner) => {
      if (Date.now() - lastWaitLog < (options.heartbeatMs ?? 10_000)) return;
      lastWaitLog = Date.now();
      log('info', 'build.waiting', { message: `another process (pid ${owner}) is building the image tool` });
    },
  );
}

// `node deploy/image/tool.ts` builds them (or finds them) and prints their paths: imagetool, then crane.
if (import.meta.main) {
  const tool = await ensureImageTool();
  console.log(`${tool.path}\n${tool.crane}`);
}
