// Unit tests of createProject: what a new project holds, and the names and folders it refuses without writing anything.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createProject, ProjectInvalid, projectNameProblem, ZEROLOOP_VERSION } from './project.ts';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'create-test-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

test('createProject should write the template with the name and a caret range on this version', async () => {
  const made = await createProject({ dir: 'team-a', cwd: root });
  assert.equal(made.name, 'team-a');
  assert.deepEqual(made.files, [
    '.gitignore',
    'README.md',
    'eslint.config.js',
    'package.json',
    'reconcilers/README.md',
    'tsconfig.json',
    'worker/index.ts',
    'worker/modules.d.ts',
    'wrangler.toml',
  ]);
  const manifest = JSON.parse(await readFile(join(root, 'team-a', 'package.json'), 'utf8')) as {
    name: string;
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  const range = `^${ZEROLOOP_VERSION}`;
  assert.equal(manifest.name, 'team-a');
  assert.deepEqual(manifest.dependencies, {
    '@zeroloop/protocol': range,
    '@zeroloop/sdk': range,
    '@zeroloop/worker': range,
  });
  assert.equal(manifest.devDependencies.zeroloop, range);
  assert.match(await readFile(join(root, 'team-a', 'wrangler.toml'), 'utf8'), /^name = "team-a"$/m);
  assert.doesNotMatch(await readFile(join(root, 'team-a', 'README.md'), 'utf8'), /\{\{/);
});

test('createProject should accept an empty folder and a scoped --name apart from the folder', async () => {
  await mkdir(join(root, 'Empty Folder'));
  const made = await createProject({ dir: 'Empty Folder', cwd: root, name: '@team/b.reconcilers' });
  assert.equal(made.name, '@team/b.reconcilers');
  assert.ok((await readdir(join(root, 'Empty Folder'))).includes('package.json'));
  // The worker's name is the package name without its scope, as Workers names go.
  const wrangler = await readFile(join(root, 'Empty Folder', 'wrangler.toml'), 'utf8');
  assert.match(wrangler, /^name = "b-reconcilers"$/m);
});

test('createProject should refuse a folder in use and leave it as it was', async () => {
  await mkdir(join(root, 'busy'));
  await writeFile(join(root, 'busy', 'notes.txt'), 'mine');
  await assert.rejects(createProject({ dir: 'busy', cwd: root }), (error: unknown) => {
    assert.ok(error instanceof ProjectInvalid);
    assert.match(error.message, /busy already exists and is not empty: pick a new folder/);
    return true;
  });
  assert.deepEqual(await readdir(join(root, 'busy')), ['notes.txt']);
});

test('createProject should refuse a name npm would refuse, before creating the folder', async () => {
  for (const [name, problem] of [
    ['Team', /upper-case/],
    ['.team', /starts with/],
    ['team reconcilers', /may hold only/],
    ['node_modules', /reserves/],
  ] as const) {
    await assert.rejects(createProject({ dir: name, cwd: root }), (error: unknown) => {
      assert.ok(error instanceof ProjectInvalid);
      assert.match(error.message, problem);
      return true;
    });
    assert.ok(!(await readdir(root)).includes(name), `${name} was not created`);
  }
  assert.equal(projectNameProblem('a'.repeat(215)), 'it is longer than 214 characters');
  assert.equal(projectNameProblem('@team/reconcilers'), undefined);
  assert.match(projectNameProblem('@team/Reconcilers') ?? '', /upper-case/);
});
