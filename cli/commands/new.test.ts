// `zeroloop new` end to end: scaffolds each language template into a copy of the repo, builds it with `zeroloop build` (the real pipeline) and runs its own test with `zeroloop test`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { copyRepo, type RepoCopy } from '../../test/support/repo-copy.ts';
import { templateLanguages } from '../scaffold.ts';

const run = promisify(execFile);
let copy: RepoCopy;

before(async () => {
  copy = await copyRepo();
});
after(async () => {
  await copy.remove();
});

/** Runs the copy's CLI (`node cli/main.ts …`, as `npx zeroloop …` does) in the copy. */
function zeroloop(...args: string[]) {
  return run(process.execPath, [join(copy.root, 'cli', 'main.ts'), ...args], {
    cwd: copy.root,
    maxBuffer: 16 * 1024 * 1024,
  });
}

for (const language of await templateLanguages()) {
  test(`zeroloop new --language ${language}: the scaffold builds and passes its own test at once`, async () => {
    const name = `greeting-${language}`;
    const created = await zeroloop(
      'new',
      name,
      '--primary',
      'Greeting',
      '--owns',
      'Deployment,batch/v1/Job',
      '--language',
      language,
    );
    assert.match(created.stdout, new RegExp(`created reconcilers/${name}/`));
    const dir = join(copy.root, 'reconcilers', name);
    const manifest: unknown = JSON.parse(await readFile(join(dir, 'reconciler.json'), 'utf8'));
    assert.equal((manifest as { name: string }).name, name);
    assert.match(await readFile(join(dir, 'crd.yaml'), 'utf8'), /name: greetings\.examples\.zeroloop\.dev/);

    const built = await zeroloop('build', name);
    assert.match(built.stdout, new RegExp(`${name}: built in \\d+ ms`));

    const tested = await zeroloop('test', name);
    assert.match(tested.stdout, /^ℹ fail 0$/m);
    assert.match(tested.stdout, /^ℹ pass [1-9]\d*$/m);
    // The starting logic writes the first kind asked for, not a ConfigMap.
    assert.match(tested.stdout, /the sample becomes one Deployment named after it/);
  });
}

test('zeroloop new refuses a name that exists, and build refuses an unknown name with exit 2', async () => {
  await assert.rejects(zeroloop('new', 'sdk'), (error: { code: number; stderr: string }) => {
    assert.equal(error.code, 1);
    assert.match(error.stderr, /reconcilers\/sdk already exists: pick another name/);
    return true;
  });
  await assert.rejects(zeroloop('build', 'no-such-reconciler'), (error: { code: number; stderr: string }) => {
    assert.equal(error.code, 2);
    assert.match(error.stderr, /unknown reconciler\(s\) no-such-reconciler/);
    return true;
  });
});

test('a Go reconciler that does not compile: zeroloop build exits 1 with GoBuildFailed quoting go', async () => {
  await zeroloop('new', 'broken-go', '--language', 'go');
  await appendFile(
    join(copy.root, 'reconcilers', 'broken-go', 'main.go'),
    '\nfunc broken() { undefinedName() }\n',
  );
  await assert.rejects(zeroloop('build', 'broken-go'), (error: { code: number; stderr: string }) => {
    assert.equal(error.code, 1);
    assert.match(error.stderr, /GoBuildFailed/);
    assert.match(error.stderr, /undefined: undefinedName/);
    return true;
  });
});
