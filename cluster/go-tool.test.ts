// Unit tests of planGoTool: the pin's version and cache folder come from go.mod, go.sum, the recipe and the sources.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { planGoTool, type GoToolSpec } from './go-tool.ts';

let moduleDir: string;
const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: '/cache' };
const spec = (more: Partial<GoToolSpec> = {}): GoToolSpec => ({
  name: 'tool',
  moduleDir,
  versionOf: 'example.com/tool/v2',
  recipe: 'tool-recipe-1',
  buildArgs: () => ['example.com/tool/v2/cmd/tool'],
  binaries: ['tool', 'toolctl'],
  ...more,
});

before(async () => {
  moduleDir = await mkdtemp(join(tmpdir(), 'go-tool-'));
  await writeFile(join(moduleDir, 'go.mod'), 'module pin\n\ngo 1.26\n\nrequire example.com/tool/v2 v2.3.4\n');
  await writeFile(join(moduleDir, 'go.sum'), 'example.com/tool/v2 v2.3.4 h1:abc=\n');
  await writeFile(join(moduleDir, 'main.go'), 'package main\n');
});
after(async () => {
  await rm(moduleDir, { recursive: true, force: true });
});

test('planGoTool should name the cache folder after the pinned version and a hash of the pin', async () => {
  const plan = await planGoTool(spec(), env);
  assert.equal(plan.version, 'v2.3.4');
  assert.match(plan.dir, /^\/cache\/zeroloop\/tool-v2\.3\.4-[0-9a-f]{12}$/);
  assert.deepEqual(plan.paths, { tool: join(plan.dir, 'tool'), toolctl: join(plan.dir, 'toolctl') });
  assert.equal((await planGoTool(spec(), env)).dir, plan.dir, 'the same pin, the same folder');
  assert.notEqual((await planGoTool(spec({ recipe: 'tool-recipe-2' }), env)).dir, plan.dir);
  assert.notEqual((await planGoTool(spec({ sourceFiles: ['main.go'] }), env)).dir, plan.dir);
});

test('planGoTool should refuse a go.mod that does not require the module', async () => {
  await assert.rejects(
    planGoTool(spec({ versionOf: 'example.com/other' }), env),
    /does not require example\.com\/other/,
  );
});
