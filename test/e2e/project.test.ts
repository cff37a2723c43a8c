// End to end: a team's own project outside this repository, with zeroloop installed from its npm pack tarballs.
//
// create-zeroloop → npm install (zeroloop's packages from the tarballs, nothing from this repository) →
// `zeroloop new` (TypeScript, then Go) → `npm test` (build, type-check, component tests) → `zeroloop dev` on the real control
// plane until the sample is Ready → `zeroloop manifests` → `zeroloop deploy --dry-run`, whose bundle holds
// the project's reconciler and none of this repository's examples or fixtures.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Manifests, until } from '../../local/kube.ts';
import { sharedControlPlane } from '../support/cluster.ts';
import {
  inProject,
  installFromTarballs,
  outsideFolder,
  packRelease,
  startInProject,
  type Release,
} from '../support/project.ts';

let folder: Awaited<ReturnType<typeof outsideFolder>>;
let release: Release;
let project: string;

before(async () => {
  folder = await outsideFolder();
  release = await packRelease(join(folder.dir, 'tarballs'));
  project = join(folder.dir, 'team-reconcilers');
});

after(async () => {
  await folder.remove();
});

/** `npm create zeroloop <args>` as a user runs it, with create-zeroloop from its tarball. */
const create = (...args: string[]) =>
  inProject(folder.dir, 'npm', [
    'exec',
    '--yes',
    `--package=${release.tarball('create-zeroloop')}`,
    '--',
    'create-zeroloop',
    ...args,
  ]);

test('create-zeroloop refuses a bad name and a folder in use, and writes nothing', async () => {
  const before = (await readdir(folder.dir)).sort();
  const bad = await create('Scratch_Project');
  assert.equal(bad.code, 1, bad.stderr);
  assert.match(bad.stderr, /"Scratch_Project" cannot name the project's package: it has upper-case letters/);
  assert.deepEqual((await readdir(folder.dir)).sort(), before);

  const made = await create('scratch-project');
  assert.equal(made.code, 0, made.stderr);
  const again = await create('scratch-project');
  assert.equal(again.code, 1);
  assert.match(again.stderr, /scratch-project already exists and is not empty/);
});

test('a project from the tarballs: new, test, dev until Ready, manifests, deploy --dry-run', async (t) => {
  const created = await create('team-reconcilers');
  assert.equal(created.code, 0, created.stderr);
  const installed = await installFromTarballs(project, release);
  assert.equal(installed.code, 0, installed.stderr);
  t.diagnostic(`npm install: ${String(Math.round(installed.ms))} ms`);
  const manifest = JSON.parse(await readFile(join(project, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  assert.match(manifest.devDependencies.zeroloop ?? '', /^file:.*zeroloop-0\.\d+\.\d+\.tgz$/);

  const scaffolded = await inProject(project, 'npx', ['zeroloop', 'new', 'greeting', '--owns', 'Deployment']);
  assert.equal(scaffolded.code, 0, scaffolded.stderr);
  const tested = await inProject(project, 'npm', ['test']);
  assert.equal(tested.code, 0, `${tested.stdout}\n${tested.stderr}`);
  assert.match(tested.stdout, /greeting: built in \d+ ms/);
  assert.match(tested.stdout, /^type-checked 1 test file\(s\) in \d+ ms$/m);
  assert.match(tested.stdout, /^ℹ pass 4$/m);
  assert.match(tested.stdout, /^ℹ fail 0$/m);
  t.diagnostic(`npm test (first build, tsc, component test): ${String(Math.round(tested.ms))} ms`);

  // A Go reconciler beside it: its go.mod requires the SDK at the CLI's version and replaces nothing.
  const goScaffolded = await inProject(project, 'npx', ['zeroloop', 'new', 'counter', '--language', 'go']);
  assert.equal(goScaffolded.code, 0, goScaffolded.stderr);
  const goMod = await readFile(join(project, 'reconcilers', 'counter', 'go.mod'), 'utf8');
  assert.match(goMod, /^require github\.com\/zeroloop\/zeroloop\/reconcilers\/sdk-go v0\.\d+\.\d+$/m);
  assert.doesNotMatch(goMod, /replace/);
  const goTested = await inProject(project, 'npm', ['test']);
  assert.equal(goTested.code, 0, `${goTested.stdout}\n${goTested.stderr}`);
  assert.match(goTested.stdout, /counter: built in \d+ ms/);
  assert.match(goTested.stdout, /greeting: up to date/);
  assert.match(goTested.stdout, /^ℹ pass 7$/m);
  t.diagnostic(`npm test with a Go reconciler added: ${String(Math.round(goTested.ms))} ms`);

  const plane = await sharedControlPlane();
  const namespace = 'team-project';
  const dev = startInProject(project, 'npx', [
    'zeroloop',
    'dev',
    'greeting',
    '--kubeconfig',
    plane.kubeconfigPath,
    '--namespace',
    namespace,
  ]);
  try {
    await dev.line(/^dev: watching reconcilers\/greeting\/src/);
    const kube = new Manifests(plane.restConfig, { fieldManager: 'project-test' });
    const ready = await until(
      `Greeting ${namespace}/example Ready`,
      async () => {
        const sample = await kube.get('examples.zeroloop.dev/v1alpha1', 'Greeting', namespace, 'example');
        const status = sample?.status as { conditions?: { type: string; status: string }[] } | undefined;
        return status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True');
      },
      60_000,
    );
    assert.ok(ready);
    // `--owns Deployment`: the starting logic writes a Deployment (and no ConfigMap) carrying the message.
    const deployment = await kube.get('apps/v1', 'Deployment', namespace, 'example');
    const spec = deployment?.spec as
      { template: { spec: { containers: { env: { name: string; value: string }[] }[] } } } | undefined;
    assert.deepEqual(spec?.template.spec.containers[0]?.env, [
      { name: 'MESSAGE', value: 'Hello from greeting' },
    ]);
    assert.equal(await kube.get('v1', 'ConfigMap', namespace, 'example'), undefined);
  } finally {
    await dev.interrupt();
  }

  const manifests = await inProject(project, 'npx', [
    'zeroloop',
    'manifests',
    'greeting',
    '--worker-url',
    'https://team-reconcilers.example.workers.dev',
  ]);
  assert.equal(manifests.code, 0, manifests.stderr);
  assert.match(manifests.stdout, /kind: Reconciler/);
  assert.match(manifests.stdout, /kind: ClusterRole/);

  const deployed = await inProject(project, 'npx', ['zeroloop', 'deploy', '--dry-run']);
  assert.equal(deployed.code, 0, deployed.stderr);
  assert.match(deployed.stdout, /^reconcilers: counter, greeting$/m);
  assert.match(deployed.stdout, /dry run: nothing uploaded/);
  const gzip = /\(([\d.]+) KiB gzip; free plan limit/.exec(deployed.stdout)?.[1];
  t.diagnostic(`worker bundle of one TypeScript and one Go reconciler: ${gzip ?? '?'} KiB gzip`);
  const entry = await readFile(join(project, 'dist', 'index.js'), 'utf8');
  assert.match(entry, /["']greeting["']/);
  assert.match(entry, /["']counter["']/);
  for (const other of ['website', 'database', 'website-go', 'faulty'])
    assert.doesNotMatch(entry, new RegExp(`["']${other}["']\\s*:`), `the bundle must not hold ${other}`);
});
