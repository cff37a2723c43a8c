// Tests of the type check's caches: an edit after a clean check is seen, and fixing it passes again.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { TypecheckFailed } from './errors.ts';
import { typecheck } from './typecheck.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zeroloop-typecheck-'));
  await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n');
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('typecheck should see each edit of a file it checked before, whatever its caches hold', async () => {
  const entry = join(dir, 'index.ts');
  const util = join(dir, 'util.ts');
  await writeFile(util, 'export const size: number = 1;\n');
  await writeFile(entry, "import { size } from './util.ts';\nexport const twice: number = size * 2;\n");
  typecheck('cached', entry);
  // The imported file changes its type: the unchanged entry must be checked again.
  await writeFile(util, "export const size: string = 'one';\n");
  assert.throws(
    () => typecheck('cached', entry),
    (e) =>
      e instanceof TypecheckFailed &&
      e.message.includes('index.ts') &&
      e.message.includes('arithmetic operation'),
  );
  await writeFile(util, 'export const size: number = 2;\n');
  typecheck('cached', entry);
});
