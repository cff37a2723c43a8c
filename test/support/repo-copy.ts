// Test support: a throw-away copy of the repository's build inputs (node_modules linked), so a test can add a reconciler and build it without touching the repo.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** What the pipeline, the CLI and a component test need; the example reconcilers are left out. */
const COPIED = [
  'package.json',
  'tsconfig.json',
  'wit',
  'src',
  'cli',
  'reconcilers/sdk',
  'reconcilers/pipeline',
  'reconcilers/testing',
];

export interface RepoCopy {
  readonly root: string;
  remove(): Promise<void>;
}

/**
 * Copies the build inputs into a new temp folder; `remove()` deletes it. `whole`: every tracked file
 * (git ls-files) and the current build/ (so builds there are incremental), for running `npm start` there.
 */
export async function copyRepo(options: { whole?: boolean } = {}): Promise<RepoCopy> {
  const root = await mkdtemp(join(tmpdir(), 'zeroloop-repo-'));
  const tracked = options.whole
    ? execFileSync('git', ['ls-files', '-z'], { cwd: REPO, encoding: 'utf8' })
        .split('\0')
        .filter((f) => f !== '' && f !== 'node_modules' && existsSync(join(REPO, f)))
    : [];
  for (const path of options.whole ? [...tracked, 'build'] : COPIED) {
    await cp(join(REPO, path), join(root, path), {
      recursive: true,
      filter: (source) => options.whole === true || !source.endsWith('.test.ts'),
    });
  }
  await symlink(await realpath(join(REPO, 'node_modules')), join(root, 'node_modules'), 'dir');
  return { root, remove: () => rm(root, { recursive: true, force: true }) };
}
