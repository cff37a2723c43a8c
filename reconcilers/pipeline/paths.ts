// Where the pipeline reads from and writes to: the repository root, the WIT package and the build folders.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Group } from './manifest.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const WIT_DIR = join(REPO_ROOT, 'wit');
export const WORLD = 'reconciler';
export const SDK_DIR = join(REPO_ROOT, 'reconcilers', 'sdk');
export const SDK_GO_DIR = join(REPO_ROOT, 'reconcilers', 'sdk-go');
export const PIPELINE_DIR = join(REPO_ROOT, 'reconcilers', 'pipeline');
export const BUILD_DIR = join(REPO_ROOT, 'build');
export const GUEST_TYPES_DIR = join(BUILD_DIR, 'guest-types');

/** `build/reconcilers` for examples, `build/fixtures` for test fixtures. */
export function groupDir(group: Group, buildDir: string = BUILD_DIR): string {
  return join(buildDir, group === 'examples' ? 'reconcilers' : 'fixtures');
}

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
