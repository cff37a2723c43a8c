// Test support: a throw-away copy of the repository (tracked files, the current build/, node_modules linked), to add or edit a reconciler and build it without touching the repo.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

export interface RepoCopy {
  readonly root: string;
  remove(): Promise<void>;
}

/**
 * Copies every tracked file (git ls-files) and build/ (so builds there are incremental; `build: false` leaves
 * it out, as in a fresh clone); `remove()` deletes it.
 */
export async function copyRepo(options: { build?: boolean } = {}): Promise<RepoCopy> {
  const root = await mkdtemp(join(tmpdir(), 'zeroloop-repo-'));
  const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: REPO, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f !== '' && existsSync(join(REPO, f)));
  for (const path of options.build === false ? tracked : [...tracked, 'build']) {
    if (existsSync(join(REPO, path))) await cp(join(REPO, path), join(root, path), { recursive: true });
  }
  await symlink(await realpath(join(REPO, 'node_modules')), join(root, 'node_modules'), 'dir');
  return { root, remove: () => rm(root, { recursive: true, force: true }) };
}
