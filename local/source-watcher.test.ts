// Tests of the dev loop's source watcher on real files: saves by rename (sed -i, vim) and in place are each seen, every time.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isSourceFile, watchSources } from './source-watcher.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zeroloop-watch-'));
  await mkdir(join(dir, 'src'));
  await writeFile(join(dir, 'src', 'index.ts'), 'export {};\n');
  await writeFile(join(dir, 'reconciler.json'), '{"name":"x"}\n');
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('the source watcher reports a save by rename, then in place, then by rename again: three rebuilds', async () => {
  const file = join(dir, 'src', 'index.ts');
  let waiting: (() => void) | undefined;
  let count = 0;
  const watcher = watchSources(dir, {
    debounceMs: 30,
    onSave: () => {
      count++;
      waiting?.();
    },
  });
  await watcher.ready;
  const nextSave = () =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no save reported within 2 s (saves so far: ${String(count)})`));
      }, 2_000);
      waiting = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  try {
    // sed -i: write a temporary file beside it, rename it over the original.
    let seen = nextSave();
    await writeFile(`${file}.tmp`, 'export const a = 1;\n');
    await rename(`${file}.tmp`, file);
    await seen;
    seen = nextSave();
    await writeFile(file, 'export const a = 2;\n');
    await seen;
    // vim (backupcopy=no): move the original away, write a new file in its place.
    seen = nextSave();
    await rename(file, `${file}~`);
    await writeFile(file, 'export const a = 3;\n');
    await seen;
    assert.equal(count, 3);
  } finally {
    watcher.close();
  }
});

test('the source watcher sees files in a folder made after it started', async () => {
  let count = 0;
  const watcher = watchSources(dir, {
    debounceMs: 10,
    onSave: () => {
      count++;
    },
  });
  await watcher.ready;
  try {
    await mkdir(join(dir, 'src', 'lib'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = count;
    await writeFile(join(dir, 'src', 'lib', 'util.ts'), 'export {};\n');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await writeFile(join(dir, 'src', 'lib', 'util.ts'), 'export const b = 1;\n');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(count - before, 2);
  } finally {
    watcher.close();
  }
});

test('build inputs are src/, reconciler.json and Go files; editor scratch files are not', () => {
  for (const f of ['src/index.ts', 'src/lib/a.ts', 'reconciler.json', 'main.go', 'go.mod', 'go.sum'])
    assert.equal(isSourceFile(f), true, f);
  for (const f of [
    'src/.index.ts.swp',
    'src/index.ts~',
    'src/4913',
    'src/index.ts.tmp',
    'README.md',
    'x.test.ts',
  ])
    assert.equal(isSourceFile(f), false, f);
});
