// The Go reconciler template (cli/templates/go) renders into a reconciler that builds and answers.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { after, test } from 'node:test';
import { responseFromWit } from '../../src/contract/wit.ts';
import { ReconcileResponse } from '../../src/protocol/schemas.ts';
import { buildReconciler } from './build.ts';
import { GoBuildFailed } from './errors.ts';
import { silentLogger } from './log.ts';
import { loaderFor } from './node-loader.ts';
import { BUILD_DIR, REPO_ROOT, SDK_GO_DIR } from './paths.ts';

const TEMPLATE = join(REPO_ROOT, 'cli', 'templates', 'go');
const VALUES: Record<string, string> = {
  name: 'greeter',
  kind: 'Greeting',
  group: 'examples.acme.dev',
  version: 'v1alpha1',
  plural: 'greetings',
};

await mkdir(join(BUILD_DIR, 'test-tmp'), { recursive: true });
const tmp = await mkdtemp(join(BUILD_DIR, 'test-tmp', 'go-template-'));
after(() => rm(tmp, { recursive: true, force: true }));

/** Renders every `*.tmpl` under the template into `dir`, placeholders replaced. */
async function render(dir: string): Promise<string[]> {
  const files = (await readdir(TEMPLATE, { recursive: true })).filter((f) => f.endsWith('.tmpl'));
  for (const file of files) {
    const text = (await readFile(join(TEMPLATE, file), 'utf8')).replace(
      /\{\{(\w+)\}\}/g,
      (whole, key: string) => {
        const value = VALUES[key];
        assert.ok(value !== undefined, `${file}: unknown placeholder ${whole}`);
        return value;
      },
    );
    const out = join(dir, file.slice(0, -'.tmpl'.length));
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, text);
  }
  return files;
}

test('the Go template renders, builds through the pipeline, and its component answers', async () => {
  const dir = join(tmp, 'reconcilers', 'greeter');
  const files = await render(dir);
  assert.ok(files.includes('main.go.tmpl') && files.includes('go.mod.tmpl'), files.join());
  // Rendered elsewhere than reconcilers/, so the SDK path is adjusted as the template README says.
  const goMod = join(dir, 'go.mod');
  await writeFile(goMod, (await readFile(goMod, 'utf8')).replace('../sdk-go', relative(dir, SDK_GO_DIR)));
  const manifest = JSON.parse(await readFile(join(dir, 'reconciler.json'), 'utf8')) as unknown;
  assert.deepEqual(manifest, { name: 'greeter', language: 'go' });

  const buildDir = join(tmp, 'build');
  const { record } = await buildReconciler(
    {
      manifest: { name: 'greeter', language: 'go', backend: 'qjs', optimize: 'speed' },
      group: 'fixtures',
      dir,
      entry: join(dir, 'main.go'),
    },
    { log: silentLogger, buildDir },
  );
  const instance = await loaderFor([{ group: 'fixtures', record }], buildDir)('greeter');
  assert.equal(instance.describe().primary.apiVersion, 'examples.acme.dev/v1alpha1');
  const primary = {
    apiVersion: 'examples.acme.dev/v1alpha1',
    kind: 'Greeting',
    metadata: { name: 'hello', namespace: 'default' },
    spec: { message: 'hi' },
  };
  const answer = instance.reconcile({
    primary: JSON.stringify(primary),
    owned: [],
    related: [],
    trigger: { tag: 'primary' },
    finalizing: false,
  });
  const response = ReconcileResponse.parse(responseFromWit(answer));
  assert.deepEqual(response.desired[0]?.data, { message: 'hi' });
});

test('a Go reconciler that does not compile fails with GoBuildFailed naming it and quoting go', async () => {
  const dir = join(tmp, 'reconcilers', 'broken');
  await render(dir);
  const goMod = join(dir, 'go.mod');
  await writeFile(goMod, (await readFile(goMod, 'utf8')).replace('../sdk-go', relative(dir, SDK_GO_DIR)));
  await writeFile(
    join(dir, 'main.go'),
    `${await readFile(join(dir, 'main.go'), 'utf8')}\nfunc broken() { undefinedName() }\n`,
  );
  await assert.rejects(
    buildReconciler(
      {
        manifest: { name: 'greeter', language: 'go', backend: 'qjs', optimize: 'speed' },
        group: 'fixtures',
        dir,
        entry: join(dir, 'main.go'),
      },
      { log: silentLogger, buildDir: join(tmp, 'build-broken') },
    ),
    (e: unknown) => {
      assert.ok(e instanceof GoBuildFailed, String(e));
      assert.equal(e.reconciler, 'greeter');
      assert.match(e.message, /undefined: undefinedName/);
      return true;
    },
  );
});
