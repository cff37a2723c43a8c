// Builds deploy/image/main.go and go-containerregistry's crane (pinned in deploy/image/go.mod) into the per-user cache (~/.cache/zeroloop/imagetool-<version>-<hash>/), once per pin.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureGoTool, planGoTool, type GoTool, type GoToolSpec } from '../../cluster/go-tool.ts';
import type { Logger } from '../../relay/observe/log.ts';

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

const IMAGE_TOOL: GoToolSpec = {
  name: 'imagetool',
  moduleDir: MODULE_DIR,
  versionOf: 'github.com/google/go-containerregistry',
  recipe: RECIPE,
  sourceFiles: ['main.go'],
  // `.` is written as `imagetool` (the module's last element).
  buildArgs: () => ['-trimpath', '-ldflags', '-s -w', '.', CRANE],
  binaries: ['imagetool', 'crane'],
};

function imageToolOf(tool: GoTool): ImageTool & { dir: string; buildMs?: number; compiledPackages?: number } {
  return {
    dir: tool.dir,
    path: tool.paths.imagetool ?? '',
    crane: tool.paths.crane ?? '',
    version: tool.version,
    ...(tool.buildMs === undefined ? {} : { buildMs: tool.buildMs }),
    ...(tool.compiledPackages === undefined ? {} : { compiledPackages: tool.compiledPackages }),
  };
}

/** The pinned version and the cache folder of this pin (go.mod, go.sum and main.go are in the key). */
export async function planImageTool(
  env: NodeJS.ProcessEnv = process.env,
): Promise<ImageTool & { dir: string }> {
  return imageToolOf(await planGoTool(IMAGE_TOOL, env));
}

/** Returns the image tool, building it first (about 30 s cold on 2 cores) if this pin was never built here. */
export async function ensureImageTool(
  options: { logger?: Logger; heartbeatMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<ImageTool & { buildMs?: number; compiledPackages?: number }> {
  return imageToolOf(await ensureGoTool(IMAGE_TOOL, { heartbeatMs: 10_000, ...options }));
}

// `node deploy/image/tool.ts` builds them (or finds them) and prints their paths: imagetool, then crane.
if (import.meta.main) {
  const tool = await ensureImageTool();
  console.log(`${tool.path}\n${tool.crane}`);
}
