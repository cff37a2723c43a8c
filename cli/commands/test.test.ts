// `zeroloop build <name>` and `zeroloop test <name>` on a fresh clone (no build/): only that reconciler is built, without Go, and its test passes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { copyRepo, type RepoCopy } from '../../test/support/repo-copy.ts';

const run = promisify(execFile);
let copy: RepoCopy;

/** PATH without any folder holding a `go` binary: a TypeScript reconciler must not need Go. */
const pathWithoutGo = (process.env.PATH ?? '')
  .split(delimiter)
  .filter((dir) => dir !== '' && !existsSync(join(dir, 'go')))
  .join(delimiter);

before(async () => {
  copy = await copyRepo({ build: false });
});
after(async () => {
  await copy.remove();
});

/** Runs the copy's CLI in the copy, as `npx zeroloop …` does, with no Go on PATH and outside any test runner. */
function zeroloop(...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: pathWithoutGo };
  delete env.NODE_TEST_CONTEXT;
  return run(process.execPath, [join(copy.root, 'cli', 'main.ts'), ...args], {
    cwd: copy.root,
    env,
    maxBuffer: 16 * 1024 * 1024,
  });
}

test('zeroloop build <name> on a clean build/ builds only it, writes registries holding it, and names what it left out', async () => {
  await zeroloop('new', 'greeting', '--owns', 'Deployment');
  const built = await zeroloop('build', 'greeting');
  assert.match(built.stdout, /^greeting: built in \d+ ms$/m);
  assert.match(built.stdout, /^built 1 reconciler\(s\) in \d+ ms: greeting$/m);
  assert.match(
    built.stdout,
    /^not built \(not asked for, never built\): .*\bwebsite\b.*; the worker's registries leave them out/m,
  );
  for (const other of ['website', 'database', 'website-go'])
    assert.equal(existsSync(join(copy.root, 'build', 'reconcilers', other)), false, `${other} was built`);
  const registry = await readFile(join(copy.root, 'build', 'reconcilers', 'registry.ts'), 'utf8');
  assert.match(registry, /'greeting': \{/);
  assert.doesNotMatch(registry, /'website': \{/);
  const loader = await readFile(join(copy.root, 'build', 'reconcilers', 'node.ts'), 'utf8');
  assert.match(loader, /export const names: readonly string\[\] = \["greeting"\];/);
});

test('zeroloop test <name> runs its component tests; a type error in a test fails it though node --test alone passes', async () => {
  const tested = await zeroloop('test', 'greeting');
  assert.match(tested.stdout, /^greeting: up to date$/m);
  assert.match(tested.stdout, /^type-checked 1 test file\(s\) in \d+ ms$/m);
  assert.match(tested.stdout, /^ℹ pass 4$/m);
  assert.match(tested.stdout, /^ℹ fail 0$/m);

  // Types are erased when Node runs a test, so this passes under node --test; the type check refuses it.
  await appendFile(
    join(copy.root, 'reconcilers', 'greeting', 'greeting.test.ts'),
    "\nconst wrong: number = 'not a number';\nvoid wrong;\n",
  );
  await assert.rejects(zeroloop('test', 'greeting'), (error: { code: number; stderr: string }) => {
    assert.equal(error.code, 1);
    assert.match(error.stderr, /TypecheckFailed: tests: reconcilers\/greeting\/greeting\.test\.ts/);
    assert.match(error.stderr, /Type 'string' is not assignable to type 'number'/);
    return true;
  });
});

test('zeroloop test refuses an unknown name with exit 2 and runs nothing', async () => {
  await assert.rejects(zeroloop('test', 'no-such-reconciler'), (error: { code: number; stderr: string }) => {
    assert.equal(error.code, 2);
    assert.match(error.stderr, /no reconciler no-such-reconciler under reconcilers\//);
    return true;
  });
});
