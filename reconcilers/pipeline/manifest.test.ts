// Unit tests of reconciler discovery and manifest parsing.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ManifestInvalid } from './errors.ts';
import { discover } from './manifest.ts';

async function repo(manifests: Record<string, string>, run: (root: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'zeroloop-manifest-'));
  try {
    for (const [path, text] of Object.entries(manifests)) {
      await mkdir(join(root, path, 'src'), { recursive: true });
      await writeFile(join(root, path, 'reconciler.json'), text);
      if (!path.endsWith('-nosrc')) await writeFile(join(root, path, 'src', 'index.ts'), '');
    }
    await mkdir(join(root, 'reconcilers', 'sdk'), { recursive: true });
    await run(root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

describe('discover', () => {
  test('discover should find examples and fixtures, defaulting the backend to qjs', () =>
    repo(
      {
        'reconcilers/website': '{"name":"website"}',
        'reconcilers/big': '{"name":"big","backend":"starlingmonkey"}',
        'test/fixtures/reconcilers/faulty': '{"name":"faulty","backend":"qjs"}',
      },
      async (root) => {
        const found = await discover(root);
        assert.deepEqual(
          found.map((r) => [
            r.group,
            r.manifest.name,
            r.manifest.backend,
            r.manifest.optimize,
            r.entry.slice(root.length),
          ]),
          [
            ['examples', 'big', 'starlingmonkey', 'speed', '/reconcilers/big/src/index.ts'],
            ['examples', 'website', 'qjs', 'speed', '/reconcilers/website/src/index.ts'],
            ['fixtures', 'faulty', 'qjs', 'speed', '/test/fixtures/reconcilers/faulty/src/index.ts'],
          ],
        );
      },
    ));

  test('discover should take a Go reconciler from main.go', () =>
    repo({ 'reconcilers/gosite': '{"name":"gosite","language":"go"}' }, async (root) => {
      await writeFile(join(root, 'reconcilers/gosite/main.go'), 'package main\n');
      const found = await discover(root);
      assert.deepEqual(
        found.map((r) => [r.manifest.language, r.entry.slice(root.length)]),
        [['go', '/reconcilers/gosite/main.go']],
      );
    }));

  test('discover should reject a Go reconciler without main.go, saying what it needs', () =>
    repo({ 'reconcilers/gosite': '{"name":"gosite","language":"go"}' }, async (root) => {
      await assert.rejects(discover(root), (e: unknown) => {
        assert.ok(e instanceof ManifestInvalid);
        assert.match(e.file, /reconcilers\/gosite\/main\.go$/);
        assert.match(e.message, /package main in main\.go, calling zeroloop\.Define from init/);
        return true;
      });
    }));

  test('discover should reject a backend on a Go reconciler', () =>
    repo(
      { 'reconcilers/gosite': '{"name":"gosite","language":"go","backend":"starlingmonkey"}' },
      async (root) => {
        await assert.rejects(
          discover(root),
          /language: backend and optimize apply to TypeScript reconcilers only/,
        );
      },
    ));

  test('discover should reject a manifest that is not JSON, naming the file', () =>
    repo({ 'reconcilers/bad': '{name: bad}' }, async (root) => {
      await assert.rejects(discover(root), (e: unknown) => {
        assert.ok(e instanceof ManifestInvalid);
        assert.match(e.file, /reconcilers\/bad\/reconciler\.json$/);
        return true;
      });
    }));

  test('discover should reject a bad name or backend with the field at fault', async () => {
    await repo({ 'reconcilers/bad': '{"name":"Bad_Name"}' }, async (root) => {
      await assert.rejects(discover(root), /name: must be a lowercase DNS label/);
    });
    await repo({ 'reconcilers/bad': '{"name":"ok","backend":"v8"}' }, async (root) => {
      await assert.rejects(discover(root), /backend/);
    });
  });

  test('discover should accept optimize "size" for QuickJS only', async () => {
    await repo({ 'reconcilers/small': '{"name":"small","optimize":"size"}' }, async (root) => {
      assert.equal((await discover(root))[0]?.manifest.optimize, 'size');
    });
    await repo(
      { 'reconcilers/big': '{"name":"big","backend":"starlingmonkey","optimize":"size"}' },
      async (root) => {
        await assert.rejects(discover(root), /optimize: optimize "size" needs backend "qjs"/);
      },
    );
  });

  test('discover should reject a reconciler without src/index.ts, naming the missing file', () =>
    repo({ 'reconcilers/empty-nosrc': '{"name":"empty"}' }, async (root) => {
      await assert.rejects(discover(root), (e: unknown) => {
        assert.ok(e instanceof ManifestInvalid);
        assert.match(e.file, /empty-nosrc\/src\/index\.ts$/);
        assert.match(e.message, /missing/);
        return true;
      });
    }));

  test('discover should take a WIT folder for a TypeScript reconciler and refuse one for Go', async () => {
    await repo({ 'reconcilers/old': '{"name":"old","wit":"../../wit/0.1.0"}' }, async (root) => {
      assert.equal((await discover(root))[0]?.manifest.wit, '../../wit/0.1.0');
    });
    await repo({ 'reconcilers/gosite': '{"name":"gosite","language":"go","wit":"w"}' }, async (root) => {
      await assert.rejects(discover(root), /wit: wit applies to TypeScript reconcilers only/);
    });
  });

  test('discover should reject two reconcilers with the same name', () =>
    repo(
      { 'reconcilers/a': '{"name":"same"}', 'test/fixtures/reconcilers/b': '{"name":"same"}' },
      async (root) => {
        await assert.rejects(discover(root), /name also used by/);
      },
    ));
});
