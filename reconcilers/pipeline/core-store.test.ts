// Tests of the content-addressed store: one file per distinct core module and JS, moved out of each reconciler, pruned when unused.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { coreStoreDir, pruneCoreStore, storeCoreModules, storeFiles, storeHolds } from './core-store.ts';
import { BUILD_DIR } from './paths.ts';

let root: string;
before(async () => {
  await mkdir(join(BUILD_DIR, 'test-tmp'), { recursive: true });
  root = await mkdtemp(join(BUILD_DIR, 'test-tmp', 'core-store-'));
});
after(() => rm(root, { recursive: true, force: true }));

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

async function transpiled(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  const calls = Object.keys(files).map((f) => `getCoreModule('${f}');`);
  await writeFile(
    join(dir, `${name}.js`),
    `export function instantiate(getCoreModule) { ${calls.join(' ')} }\n`,
  );
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
  return dir;
}

describe('storeCoreModules', () => {
  test('storeCoreModules should keep one file per distinct module and JS across reconcilers', async () => {
    const buildDir = join(root, 'build-a');
    const a = await transpiled('a', { 'a.core.wasm': 'own a', 'a.core3.wasm': 'engine' });
    const b = await transpiled('b', { 'b.core.wasm': 'own b', 'b.core3.wasm': 'engine' });

    const first = await storeCoreModules(a, 'a', buildDir);
    assert.deepEqual(first.modules, [
      { file: 'core.wasm', sha256: sha('own a') },
      { file: 'core3.wasm', sha256: sha('engine') },
    ]);
    assert.equal(first.added, 3, 'two modules and the JS');
    const second = await storeCoreModules(b, 'b', buildDir);
    assert.equal(second.js, first.js, 'the JS is the same once the names are taken out');
    assert.equal(second.added, 1, 'the engine and the JS are already stored');
    assert.equal(second.addedBytes, 'own b'.length);

    const stored = (await readdir(coreStoreDir(buildDir))).sort();
    assert.deepEqual(
      stored,
      [`${sha('engine')}.wasm`, `${sha('own a')}.wasm`, `${sha('own b')}.wasm`, `${first.js}.js`].sort(),
    );
    const js = await readFile(join(coreStoreDir(buildDir), `${first.js}.js`), 'utf8');
    assert.match(js, /getCoreModule\('core\.wasm'\); getCoreModule\('core3\.wasm'\);/);
    assert.deepEqual(await readdir(a), ['a.js'], 'the reconciler keeps only its JS');
    assert.match(
      await readFile(join(a, 'a.js'), 'utf8'),
      new RegExp(`from '\\.\\./build-a/core-modules/${first.js}\\.js'`),
    );
    const holds = [
      ...storeFiles({ wasm: first.modules, js: first.js }),
      ...storeFiles({ wasm: second.modules, js: second.js }),
    ];
    assert.equal(await storeHolds(holds, buildDir), true);
  });

  test('pruneCoreStore should remove only files no reconciler uses', async () => {
    const buildDir = join(root, 'build-b');
    const c = await transpiled('c', { 'c.core.wasm': 'own c', 'c.core3.wasm': 'engine' });
    const { modules, js } = await storeCoreModules(c, 'c', buildDir);
    const kept = storeFiles({ wasm: modules.filter((m) => m.file === 'core3.wasm'), js });
    assert.equal(await pruneCoreStore(kept, buildDir), 1);
    assert.deepEqual(
      (await readdir(coreStoreDir(buildDir))).sort(),
      [`${js}.js`, `${sha('engine')}.wasm`].sort(),
    );
    const all = storeFiles({ wasm: modules, js });
    assert.equal(await storeHolds(all, buildDir), false, 'a skipped build would miss its module');
  });
});
