// Builds prometheus and promtool from the Go modules pinned in deploy/prometheus/tool into the per-user cache (~/.cache/zeroloop/prometheus-<version>-<hash>/), once per pin.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureGoTool, planGoTool, type GoTool, type GoToolSpec } from '../../../cluster/go-tool.ts';
import type { Logger } from '../../../relay/observe/log.ts';

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

const PROMETHEUS: GoToolSpec = {
  name: 'prometheus',
  moduleDir: MODULE_DIR,
  versionOf: MODULE,
  recipe: `${RECIPE}\n${TAGS}`,
  buildArgs: (version) => {
    const v = 'github.com/prometheus/common/version';
    return [
      '-tags',
      TAGS,
      '-ldflags',
      `-X ${v}.Version=${releaseOf(version)} -X ${v}.Branch=module -X ${v}.Revision=${version}`,
      ...PACKAGES,
    ];
  },
  binaries: ['prometheus', 'promtool'],
  env: { CGO_ENABLED: '0' },
};

function toolsOf(tool: GoTool): PrometheusTools & { dir: string } {
  return {
    dir: tool.dir,
    prometheus: tool.paths.prometheus ?? '',
    promtool: tool.paths.promtool ?? '',
    version: tool.version,
  };
}

/** The version go.mod pins, and the cache folder of this pin. */
export async function planPrometheus(
  env: NodeJS.ProcessEnv = process.env,
): Promise<PrometheusTools & { dir: string }> {
  return toolsOf(await planGoTool(PROMETHEUS, env));
}

/** Returns prometheus and promtool, building them first (minutes on 2 cores) if this pin was never built here. */
export async function ensurePrometheus(
  options: { logger?: Logger; heartbeatMs?: number } = {},
): Promise<PrometheusTools> {
  return toolsOf(await ensureGoTool(PROMETHEUS, options));
}

// `node deploy/prometheus/tool/build.ts` builds them (or finds them) and prints their paths.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const tools = await ensurePrometheus();
  console.log(`${tools.prometheus}\n${tools.promtool}`);
}
