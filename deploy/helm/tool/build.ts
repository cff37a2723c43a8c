// Builds the helm CLI from the Go modules pinned in deploy/helm/tool into the per-user cache (~/.cache/zeroloop/helm-<version>-<hash>/helm), once per pin.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureGoTool, planGoTool, type GoToolSpec } from '../../../cluster/go-tool.ts';
import type { Logger } from '../../../relay/observe/log.ts';

const HELM: GoToolSpec = {
  name: 'helm',
  moduleDir: dirname(fileURLToPath(import.meta.url)),
  versionOf: 'helm.sh/helm/v3',
  recipe: 'helm-recipe-1',
  buildArgs: (version) => [
    '-ldflags',
    `-X helm.sh/helm/v3/internal/version.version=${version}`,
    'helm.sh/helm/v3/cmd/helm',
  ],
  binaries: ['helm'],
};

export interface Helm {
  /** The helm executable. */
  readonly path: string;
  readonly version: string;
}

/** The helm version go.mod pins, and the cache folder of this pin. */
export async function planHelm(env: NodeJS.ProcessEnv = process.env): Promise<Helm & { dir: string }> {
  const plan = await planGoTool(HELM, env);
  return { dir: plan.dir, path: plan.paths.helm ?? '', version: plan.version };
}

/** Returns the helm CLI, building it first (a few minutes on 2 cores) if this pin was never built here. */
export async function ensureHelm(options: { logger?: Logger; heartbeatMs?: number } = {}): Promise<Helm> {
  const tool = await ensureGoTool(HELM, options);
  return { path: tool.paths.helm ?? '', version: tool.version };
}

// `node deploy/helm/tool/build.ts` builds it (or finds it) and prints its path.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log((await ensureHelm()).path);
}
