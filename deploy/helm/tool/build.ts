// Builds the helm CLI from the Go modules pinned in deploy/helm/tool into the per-user cache (~/.cache/zeroloop/helm-<version>-<hash>/helm), once per pin.
import { createHash } from 'node:crypto';
import { access, constants, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultCacheRoot } from '../../../cluster/build.ts';
import { BinaryBuildFailed } from '../../../cluster/errors.ts';
import { runGo } from '../../../cluster/gocmd.ts';
import { withDirLock } from '../../../cluster/lock.ts';
import type { Logger } from '../../../cluster/log.ts';
import { createLogger } from '../../../cluster/log.ts';

const MODULE_DIR = dirname(fileURLToPath(import.meta.url));
const PACKAGE = 'helm.sh/helm/v3/cmd/helm';
/** Bump when the recipe changes in a way that needs a new binary. */
const RECIPE = 'helm-recipe-1';

export interface Helm {
  /** The helm executable. */
  readonly path: string;
  readonly version: string;
}

/** The helm version go.mod pins, and the cache folder of this pin. */
export async function planHelm(env: NodeJS.ProcessEnv = process.env): Promise<Helm & { dir: string }> {
  const goMod = await readFile(join(MODULE_DIR, 'go.mod'), 'utf8');
  const goSum = await readFile(join(MODULE_DIR, 'go.sum'), 'utf8');
  const version = /^\s*helm\.sh\/helm\/v3 (v\S+)/m.exec(goMod)?.[1];
  if (version === undefined) throw new Error('deploy/helm/tool/go.mod does not require helm.sh/helm/v3');
  const hash = createHash('sha256').update(`${RECIPE}\n${goMod}\n${goSum}`).digest('hex').slice(0, 12);
  const dir = join(defaultCacheRoot(env), `helm-${version}-${hash}`);
  return { dir, path: join(dir, 'helm'), version };
}

/** Returns the helm CLI, building it first (a few minutes on 2 cores) if this pin was never built here. */
export async function ensureHelm(options: { logger?: Logger; heartbeatMs?: number } = {}): Promise<Helm> {
  const log = options.logger ?? createLogger('helm.build');
  const plan = await planHelm();
  const ready = () =>
    access(plan.path, constants.X_OK).then(
      () => true,
      () => false,
    );
  if (await ready()) return plan;
  await mkdir(dirname(plan.dir), { recursive: true });
  return withDirLock(`${plan.dir}.lock`, async () => {
    if (await ready()) return plan;
    const started = Date.now();
    log('info', 'build.start', {
      message: `building helm ${plan.version} from Go modules once`,
      dir: plan.dir,
    });
    const staging = `${plan.dir}.tmp-${process.pid}`;
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    let compiled = 0;
    let last = '';
    const heartbeat = setInterval(() => {
      log('info', 'build.progress', { elapsedMs: Date.now() - started, compiledPackages: compiled, last });
    }, options.heartbeatMs ?? 15_000);
    try {
      const args = [
        'build',
        '-v',
        '-o',
        join(staging, 'helm'),
        '-ldflags',
        `-X helm.sh/helm/v3/internal/version.version=${plan.version}`,
        PACKAGE,
      ];
      const run = await runGo(args, {
        cwd: MODULE_DIR,
        env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod' },
        onStderrLine: (line) => {
          if (/^[\w.-]+(\/[\w.~-]+)*$/.test(line)) {
            compiled++;
            last = line;
          }
        },
      });
      if (run.code !== 0)
        throw new BinaryBuildFailed(
          `step build-helm: \`go ${args.join(' ')}\` failed (exit ${String(run.code ?? run.signal)}):\n${run.stderrTail.join('\n')}`,
          'read the go error above; if deploy/helm/tool/go.mod was edited, run `go mod tidy` there',
        );
      await writeFile(
        join(staging, 'manifest.json'),
        `${JSON.stringify({ version: plan.version, builtAt: new Date().toISOString(), buildMs: Date.now() - started }, null, 2)}\n`,
      );
      await rm(plan.dir, { recursive: true, force: true });
      await rename(staging, plan.dir);
    } finally {
      clearInterval(heartbeat);
      await rm(staging, { recursive: true, force: true });
    }
    log('info', 'build.done', { elapsedMs: Date.now() - started, path: plan.path });
    return plan;
  });
}

// `node deploy/helm/tool/build.ts` builds it (or finds it) and prints its path.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log((await ensureHelm()).path);
}
