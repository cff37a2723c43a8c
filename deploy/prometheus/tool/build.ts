// Builds prometheus and promtool from the Go modules pinned in deploy/prometheus/tool into the per-user cache (~/.cache/zeroloop/prometheus-<version>-<hash>/), once per pin.
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
const MODULE = 'github.com/prometheus/prometheus';
const PACKAGES = [`${MODULE}/cmd/prometheus`, `${MODULE}/cmd/promtool`];
/**
 * `remove_all_sd` leaves only the static, file and HTTP service discoveries (the cloud SDs' SDKs are most of
 * the build). No `builtinassets`: the web UI is then read from disk and absent, which the HTTP API, the
 * rule manager and promtool do not need; embedding it would need the UI's npm build first.
 */
const TAGS = 'remove_all_sd,netgo';
/** Bump when the recipe changes in a way that needs new binaries. */
const RECIPE = 'prometheus-recipe-1';

export interface PrometheusTools {
  /** The prometheus server executable. */
  readonly prometheus: string;
  /** The promtool executable. */
  readonly promtool: string;
  /** The module version go.mod pins (v0.316.0 is Prometheus 3.16.0). */
  readonly version: string;
}

/** The Prometheus release a v0.3XX.Y module version is (the module is tagged v0.<major*100+minor>.<patch>). */
export function releaseOf(moduleVersion: string): string {
  const m = /^v0\.(\d+)\.(\d+)$/.exec(moduleVersion);
  if (!m) return moduleVersion;
  const n = Number(m[1]);
  return `${String(Math.floor(n / 100))}.${String(n % 100)}.${m[2] ?? '0'}`;
}

/** The version go.mod pins, and the cache folder of this pin. */
export async function planPrometheus(
  env: NodeJS.ProcessEnv = process.env,
): Promise<PrometheusTools & { dir: string }> {
  const goMod = await readFile(join(MODULE_DIR, 'go.mod'), 'utf8');
  const goSum = await readFile(join(MODULE_DIR, 'go.sum'), 'utf8');
  const version = /^\s*github\.com\/prometheus\/prometheus (v\S+)/m.exec(goMod)?.[1];
  if (version === undefined) throw new Error(`deploy/prometheus/tool/go.mod does not require ${MODULE}`);
  const hash = createHash('sha256')
    .update(`${RECIPE}\n${TAGS}\n${goMod}\n${goSum}`)
    .digest('hex')
    .slice(0, 12);
  const dir = join(defaultCacheRoot(env), `prometheus-${version}-${hash}`);
  return { dir, prometheus: join(dir, 'prometheus'), promtool: join(dir, 'promtool'), version };
}

/** Returns prometheus and promtool, building them first (minutes on 2 cores) if this pin was never built here. */
export async function ensurePrometheus(
  options: { logger?: Logger; heartbeatMs?: number } = {},
): Promise<PrometheusTools> {
  const log = options.logger ?? createLogger('prometheus.build');
  const plan = await planPrometheus();
  const ready = async () => {
    try {
      await access(plan.prometheus, constants.X_OK);
      await access(plan.promtool, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (await ready()) return plan;
  await mkdir(dirname(plan.dir), { recursive: true });
  return withDirLock(
    `${plan.dir}.lock`,
    async () => {
      if (await ready()) return plan;
      const started = Date.now();
      log('info', 'build.start', {
        message: `building prometheus and promtool ${plan.version} from Go modules once`,
        dir: plan.dir,
        tags: TAGS,
      });
      const staging = `${plan.dir}.tmp-${String(process.pid)}`;
      await rm(staging, { recursive: true, force: true });
      await mkdir(staging, { recursive: true });
      let compiled = 0;
      let last = '';
      const heartbeat = setInterval(() => {
        log('info', 'build.progress', { elapsedMs: Date.now() - started, compiledPackages: compiled, last });
      }, options.heartbeatMs ?? 15_000);
      try {
        const v = `github.com/prometheus/common/version`;
        const args = [
          'build',
          '-v',
          '-tags',
          TAGS,
          '-o',
          `${staging}/`,
          '-ldflags',
          `-X ${v}.Version=${releaseOf(plan.version)} -X ${v}.Branch=module -X ${v}.Revision=${plan.version}`,
          ...PACKAGES,
        ];
        const run = await runGo(args, {
          cwd: MODULE_DIR,
          env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod', CGO_ENABLED: '0' },
          onStderrLine: (line) => {
            if (/^[\w.-]+(\/[\w.~-]+)*$/.test(line)) {
              compiled++;
              last = line;
            }
          },
        });
        if (run.code !== 0)
          throw new BinaryBuildFailed(
            `step build-prometheus: \`go ${args.join(' ')}\` failed (exit ${String(run.code ?? run.signal)}):\n${run.stderrTail.join('\n')}`,
            'read the go error above; if deploy/prometheus/tool/go.mod was edited, run `go mod tidy` there',
          );
        await writeFile(
          join(staging, 'manifest.json'),
          `${JSON.stringify({ version: plan.version, release: releaseOf(plan.version), tags: TAGS, builtAt: new Date().toISOString(), buildMs: Date.now() - started, compiledPackages: compiled }, null, 2)}\n`,
        );
        await rm(plan.dir, { recursive: true, force: true });
        await rename(staging, plan.dir);
      } finally {
        clearInterval(heartbeat);
        await rm(staging, { recursive: true, force: true });
      }
      log('info', 'build.done', {
        elapsedMs: Date.now() - started,
        compiledPackages: compiled,
        dir: plan.dir,
      });
      return plan;
    },
    (owner) => {
      log('info', 'build.waiting', {
        message: `another process (pid ${String(owner)}) is building prometheus`,
      });
    },
    5000,
  );
}

// `node deploy/prometheus/tool/build.ts` builds them (or finds them) and prints their paths.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const tools = await ensurePrometheus();
  console.log(`${tools.prometheus}\n${tools.promtool}`);
}
