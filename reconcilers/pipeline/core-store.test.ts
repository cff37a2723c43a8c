// Tests of the content-addressed core module store: one file per distinct module, moved out of each reconciler, pruned when unused.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { coreStoreDir, pruneCoreStore, storeCoreModules, storeHolds } from './core-store.ts';
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
  await writeFile(join(dir, `${name}.js`), '// glue');
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
  return dir;
}

describe('storeCoreModules', () => {
  test('storeCoreModules should keep one file per distinct module across reconcilers', async () => {
    const buildDir = join(root, 'build-a');
    const a = await transpiled('a', { 'a.core.wasm': 'own a', 'a.core3.wasm': 'engine' });
    const b = await transpiled('b', { 'b.core.wasm': 'own b', 'b.core3.wasm': 'engine' });

    const first = await storeCoreModules(a, buildDir);
    assert.deepEqual(first.modules, [
      { file: 'a.core.wasm', sha256: sha('own a') },
      { file: 'a.core3.wasm', sha256: sha('engine') },
    ]);
    assert.equal(first.added, 2);
    const second = await storeCoreModules(b, buildDir);
    assert.equal(second.added, 1, 'the engine is already stored');
    assert.equal(second.addedBytes, 'own b'.length);

    assert.deepEqual(
      (await readdir(coreStoreDir(buildDir))).sort(),
      [`${sha('engine')}.wasm`, `${sha('own a')}.wasm`, `${sha('own b')}.wasm`].sort(),
    );
    assert.deepEqual(await readdir(a), ['a.js'], 'the reconciler keeps only its JS');
    assert.equal(await storeHolds([...first.modules, ...second.modules], buildDir), true);
  });

  test('pruneCoreStore should remove only modules no reconciler uses', async () => {
    const buildDir = join(root, 'build-b');
    const a = await transpiled('c', { 'c.core.wasm': 'own c', 'c.core3.wasm': 'engine' });
    const { modules } = await storeCoreModules(a, buildDir);
    const kept = modules.filter((m) => m.file === 'c.core3.wasm');
    assert.equal(await pruneCoreStore(kept, buildDir), 1);
    assert.deepEqual(await readdir(coreStoreDir(buildDir)), [`${sha('engine')}.wasm`]);
    assert.equal(await storeHolds(modules, buildDir), false, 'a skipped build would miss its module');
  });
});
