// Where the pipeline reads from and writes to: zeroloop's own files (the toolkit) and the project being built.
import { existsSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Group } from './manifest.ts';

/**
 * Where zeroloop's own files are: the WIT package, the Go SDK, the templates, the control plane's Go modules.
 * This repository when run from it, else the installed `zeroloop` package, which mirrors the same layout.
 */
export const TOOLKIT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** `.ts` when run from the sources (Node strips the types), `.js` in the installed package (compiled). */
export const MODULE_EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** The environment variable that names the project folder, overriding the search from the working directory. */
export const PROJECT_ROOT_ENV = 'ZEROLOOP_PROJECT';

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The project a command works on: $ZEROLOOP_PROJECT, else the nearest folder from `cwd` upwards that holds a
 * package.json and a reconcilers/ folder (a team's project, or this repository), else `cwd` itself.
 */
export function findProjectRoot(
  cwd: string = process.cwd(),
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  const given = env[PROJECT_ROOT_ENV];
  if (given !== undefined && given !== '') return given.endsWith('/') ? given : `${given}/`;
  for (let dir = cwd; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && isDir(join(dir, 'reconcilers'))) return `${join(dir)}/`;
    if (dirname(dir) === dir) return cwd.endsWith('/') ? cwd : `${cwd}/`;
  }
}

/** The project being built: its reconcilers/, build/, tsconfig.json and wrangler.toml. */
export const PROJECT_ROOT = findProjectRoot();
/**
 * Whether the project holds zeroloop's own sources (this repository, or a copy of it): generated code then
 * imports them by relative path; a team's project imports the installed packages by name. Decided by the
 * project's files, not by which CLI runs, so any build of the CLI writes the same registry for it.
 */
export const PROJECT_IS_TOOLKIT =
  existsSync(join(PROJECT_ROOT, 'src', 'contract', 'wit.ts')) &&
  existsSync(join(PROJECT_ROOT, 'reconcilers', 'pipeline', 'node-loader.ts'));

export const WIT_DIR = join(TOOLKIT_ROOT, 'wit');
export const WORLD = 'reconciler';
export const SDK_GO_DIR = join(TOOLKIT_ROOT, 'reconcilers', 'sdk-go');
export const PIPELINE_DIR = join(TOOLKIT_ROOT, 'reconcilers', 'pipeline');
export const BUILD_DIR = join(PROJECT_ROOT, 'build');
export const GUEST_TYPES_DIR = join(BUILD_DIR, 'guest-types');

/** `build/reconcilers` for examples, `build/fixtures` for test fixtures. */
export function groupDir(group: Group, buildDir: string = BUILD_DIR): string {
  return join(buildDir, group === 'examples' ? 'reconcilers' : 'fixtures');
}

/** The generated Node loader of the project's built reconcilers (component tests, `replay`, `manifests`). */
export const NODE_LOADER_URL = pathToFileURL(join(groupDir('examples'), 'node.ts'));

/**
 * The folder of an installed package, looked up the way Node does from `fromDir` (default: here),
 * without resolving through its `exports` (several packages do not export `package.json`).
 */
export function packageDir(name: string, fromDir: string = PIPELINE_DIR): string {
  const require = createRequire(join(fromDir, 'noop.js'));
  for (const base of require.resolve.paths(name) ?? []) {
    const dir = join(base, name);
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  throw new Error(`package ${name} is not installed (looked from ${fromDir}): run npm install`);
}

/** The TypeScript SDK the project's reconcilers import (`@zeroloop/sdk`), as a real path: its files are build inputs. */
export const SDK_DIR = ((): string => {
  try {
    return realpathSync(packageDir('@zeroloop/sdk', PROJECT_ROOT));
  } catch {
    return join(TOOLKIT_ROOT, 'reconcilers', 'sdk');
  }
})();
