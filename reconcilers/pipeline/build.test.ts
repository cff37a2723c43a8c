// Tests of building one reconciler with the real toolchain: incremental skips, and clear failures naming the file.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildReconciler } from './build.ts';
import { ComponentizeFailed, TypecheckFailed, WorldExportsMissing } from './errors.ts';
import { coreStoreDir, storeFiles } from './core-store.ts';
import { silentLogger } from '../../relay/observe/log.ts';
import type { ReconcilerSource } from './manifest.ts';
import { BUILD_DIR, PROJECT_ROOT } from './paths.ts';
import { workerDir } from './registry.ts';

const GOOD = `// A minimal reconciler for pipeline tests.
export function describe() {
  return {
    name: 'demo',
    version: '0.0.1',
    primary: { apiVersion: 'v1', kind: 'ConfigMap' },
    owns: [],
    reads: [],
    finalizer: false,
  };
}
export function reconcile(request: { primary: string }) {
  const desired: string[] = request.primary.length > 0 ? [] : [];
  return { desired, status: undefined, related: [], requeueAfterMs: undefined, finalized: false, events: [] };
}
`;

let root: string;

before(async () => {
  await mkdir(join(BUILD_DIR, 'test-tmp'), { recursive: true });
  root = await mkdtemp(join(BUILD_DIR, 'test-tmp', 'pipeline-'));
});
after(() => rm(root, { recursive: true, force: true }));

async function source(name: string, index: string): Promise<ReconcilerSource> {
  const dir = join(root, 'src-' + name);
  await mkdir(join(dir, 'src'), { recursive: true });
  await writeFile(join(dir, 'reconciler.json'), JSON.stringify({ name }));
  await writeFile(join(dir, 'src', 'index.ts'), index);
  return {
    manifest: { name, language: 'typescript', backend: 'qjs', optimize: 'speed' },
    group: 'fixtures',
    dir,
    entry: join(dir, 'src', 'index.ts'),
  };
}

describe('buildReconciler', () => {
  test('buildReconciler should build once, skip when unchanged, and rebuild when a source changes', async () => {
    const src = await source('demo', GOOD);
    const buildDir = join(root, 'out');
    const first = await buildReconciler(src, { log: silentLogger, buildDir });
    assert.equal(first.skipped, false);
    assert.ok(first.record.sizes.componentBytes > 0);
    const files = await readdir(workerDir('fixtures', 'demo', buildDir));
    assert.ok(files.includes('demo.js'));
    assert.deepEqual(
      files.filter((f) => f.endsWith('.wasm')),
      [],
      'core modules moved to the store',
    );
    assert.ok(first.record.wasm.some((m) => m.file === 'core.wasm'));
    const stored = await readdir(coreStoreDir(buildDir));
    for (const file of storeFiles(first.record)) assert.ok(stored.includes(file), file);
    assert.ok(
      first.record.inputs.includes(src.entry.slice(PROJECT_ROOT.length)),
      'the entry is a hashed input',
    );

    const second = await buildReconciler(src, { log: silentLogger, buildDir });
    assert.equal(second.skipped, true);
    assert.equal(second.record.hash, first.record.hash);

    // A type error in the changed source proves the change was seen (it wins over componentize, which runs beside it).
    await writeFile(
      src.entry,
      GOOD.replace("version: '0.0.1'", 'version: 1 as unknown as string, oops: missing'),
    );
    await assert.rejects(buildReconciler(src, { log: silentLogger, buildDir }), TypecheckFailed);
  });

  test('a type error should fail the build naming the file and the error', async () => {
    const src = await source('typo', GOOD.replace('request.primary.length', 'request.primry.length'));
    await assert.rejects(
      buildReconciler(src, { log: silentLogger, buildDir: join(root, 'out') }),
      (e: unknown) => {
        assert.ok(e instanceof TypecheckFailed);
        assert.equal(e.reconciler, 'typo');
        assert.match(e.file, /src-typo\/src\/index\.ts$/);
        assert.match(e.message, /primry/);
        return true;
      },
    );
  });

  test('a source that does not export reconcile should fail before componentize, naming the entry', async () => {
    // componentize-qjs accepts such a module; every call to it would trap at run time.
    const src = await source('noexport', GOOD.replace('export function reconcile', 'function reconcile'));
    await assert.rejects(
      buildReconciler(src, { log: silentLogger, buildDir: join(root, 'out') }),
      (e: unknown) => {
        assert.ok(e instanceof WorldExportsMissing, String(e));
        assert.match(e.file, /src-noexport\/src\/index\.ts$/);
        assert.match(e.message, /does not export reconcile/);
        return true;
      },
    );
  });

  test('a module that throws while the component initializes should fail at componentize naming the entry', async () => {
    const src = await source('throws', `${GOOD}\nthrow new Error('boom at init');\n`);
    await assert.rejects(
      buildReconciler(src, { log: silentLogger, buildDir: join(root, 'out') }),
      (e: unknown) => {
        assert.ok(e instanceof ComponentizeFailed, String(e));
        assert.equal(e.reconciler, 'throws');
        assert.match(e.file, /src-throws\/src\/index\.ts$/);
        assert.match(e.message, /boom at init/);
        return true;
      },
    );
  });
});
