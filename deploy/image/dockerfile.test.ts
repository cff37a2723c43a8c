// deploy/Dockerfile and the daemonless image (deploy/image/build.ts) should describe the same image: files, user, workdir, entrypoint, env.
//
// No container daemon runs here and no registry is reachable, so `docker build` cannot run and the
// distroless base cannot be pulled: the test reads the Dockerfile's instructions instead, and checks
// (a) what its runtime stage sets against the built image's config, (b) what it copies against the
// built image's files, and (c) that the built base layer holds what the distroless base gives the
// relay (loader and libraries, CA bundle, nonroot 65532, /tmp). The image is built once, for real.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { buildImageTree } from '../image-tree.ts';
import {
  flattenedEntries,
  layerEntries,
  readOciArchive,
  type OciArchive,
  type TarEntry,
} from '../../test/support/oci-image.ts';
import { buildImage, type BuiltImage } from './build.ts';
import { CA_BUNDLE, NODE_LICENSE, NODE_PATH, NONROOT, readDeployment } from './config.ts';
import { parseDockerfile, type Dockerfile, type Stage } from './dockerfile.ts';
import { silentLogger } from '../../relay/observe/log.ts';

const DOCKERFILE = fileURLToPath(new URL('../Dockerfile', import.meta.url));
let tmp: string;
let built: BuiltImage;
let image: OciArchive;
let files: Map<string, TarEntry>;
let dockerfile: Dockerfile;
let runtime: Stage;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'zl-image-'));
  built = await buildImage({ out: join(tmp, 'out'), logger: silentLogger });
  image = await readOciArchive(built.archive, join(tmp, 'archive'));
  files = await flattenedEntries(image);
  dockerfile = parseDockerfile(await readFile(DOCKERFILE, 'utf8'), DOCKERFILE);
  const last = dockerfile.stages.at(-1);
  assert.ok(last, 'the Dockerfile has a runtime stage');
  runtime = last;
});

after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

test('the Dockerfile runtime stage should set the entrypoint, user, workdir, env and ports of the image config', async () => {
  const { config } = image.config;
  const deployment = await readDeployment();
  assert.deepEqual(runtime.entrypoint, config.Entrypoint);
  assert.deepEqual(config.Entrypoint, deployment.command, 'the entrypoint is the Deployment command');
  assert.equal(runtime.cmd, undefined);
  assert.equal(config.Cmd, undefined);
  assert.equal(runtime.user, config.User);
  assert.equal(runtime.workdir, config.WorkingDir);
  assert.deepEqual(runtime.env, config.Env);
  assert.deepEqual(runtime.expose, Object.keys(config.ExposedPorts ?? {}));
  for (const [key, value] of Object.entries(runtime.labels))
    assert.equal(config.Labels?.[key], value, `label ${key}`);
});

test('the Dockerfile build stage should have every npm workspace manifest in place before npm install', async () => {
  const root = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
    workspaces?: string[];
  };
  const build = dockerfile.stages[0];
  assert.ok(build);
  const install = build.runs.findIndex((r) => r.startsWith('npm install'));
  assert.ok(install >= 0, 'the build stage runs npm install');
  const copied = build.copies.filter((c) => c.runsBefore <= install).flatMap((c) => c.sources);
  for (const file of ['package.json', 'package-lock.json']) assert.ok(copied.includes(file), file);
  for (const ws of root.workspaces ?? [])
    assert.ok(
      copied.includes(`${ws}/package.json`) || copied.includes(ws),
      `workspace ${ws}: COPY ${ws}/package.json before npm install`,
    );
});

test('the Dockerfile should build on the Node release the image ships', () => {
  assert.equal(`v${dockerfile.args.NODE_VERSION ?? ''}`, built.nodeVersion);
  assert.equal(dockerfile.stages[0]?.image, `node:${built.nodeVersion.slice(1)}-slim`);
  assert.equal(runtime.image, 'gcr.io/distroless/cc-debian12:nonroot');
});

test('the files the Dockerfile copies should be the image files outside its base layer', async () => {
  // The runtime stage copies exactly three things from the build stage: node's binary, its license, /app.
  assert.deepEqual(
    runtime.copies.map((c) => ({ op: c.op, from: c.from, chown: c.chown, sources: c.sources, dest: c.dest })),
    [
      { op: 'COPY', from: 'build', chown: '0:0', sources: [NODE_PATH], dest: NODE_PATH },
      { op: 'COPY', from: 'build', chown: '0:0', sources: ['/usr/local/LICENSE'], dest: NODE_LICENSE },
      { op: 'COPY', from: 'build', chown: '0:0', sources: ['/app/'], dest: '/app/' },
    ],
  );
  // /app is what the build stage's `node deploy/image-tree.ts /app` writes: the same tree, built here.
  assert.ok(dockerfile.stages[0]?.runs.includes('node deploy/image-tree.ts /app'));
  const tree = await buildImageTree(join(tmp, 'tree'));
  const appFiles = [...files.values()].filter((e) => e.path.startsWith('app/') && e.type === '-');
  assert.deepEqual(
    appFiles.map((e) => [e.path.slice('app/'.length), e.size]).sort(),
    tree.map((f) => [f.path, f.bytes]).sort(),
  );
  for (const e of appFiles) assert.deepEqual([e.uid, e.gid, e.mode], [0, 0, 'rw-r--r--'], e.path);
  const node = files.get(NODE_PATH.slice(1));
  assert.deepEqual([node?.type, node?.uid, node?.gid, node?.mode], ['-', 0, 0, 'rwxr-xr-x']);
  // The node and app layers hold nothing else (folders aside).
  const [, nodeLayer, appLayer] = image.layerFiles;
  assert.ok(nodeLayer !== undefined && appLayer !== undefined);
  const regular = async (layer: string) =>
    (await layerEntries(layer)).filter((e) => e.type !== 'd').map((e) => e.path);
  assert.deepEqual(await regular(nodeLayer), [NODE_PATH.slice(1), NODE_LICENSE.slice(1)]);
  assert.deepEqual((await regular(appLayer)).sort(), tree.map((f) => `app/${f.path}`).sort());
});

test('the base layer should give the relay what the distroless cc base gives it', async () => {
  const base = image.layerFiles[0];
  assert.ok(base !== undefined);
  const entries = new Map((await layerEntries(base)).map((e) => [e.path, e]));
  for (const lib of [
    'libc.so.6',
    'libm.so.6',
    'libstdc++.so.6',
    'libgcc_s.so.1',
    'libdl.so.2',
    'libpthread.so.0',
  ])
    assert.ok(
      built.sharedObjects.some((s) => s.soname === lib),
      `node's ${lib} is in the base layer`,
    );
  for (const so of built.sharedObjects) for (const p of so.paths) assert.ok(entries.has(p), p);
  assert.equal(entries.get('lib64/ld-linux-x86-64.so.2')?.link, '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2');
  const bundle = entries.get(CA_BUNDLE.slice(1));
  assert.ok(bundle !== undefined && bundle.size > 100_000, 'a CA bundle at SSL_CERT_FILE');
  assert.deepEqual([entries.get('tmp')?.mode, entries.get('tmp')?.uid], ['rwxrwxrwt', 0]);
  const home = entries.get(NONROOT.home.slice(1));
  assert.deepEqual([home?.uid, home?.gid, home?.mode], [NONROOT.uid, NONROOT.gid, 'rwx------']);
  assert.ok(entries.has('etc/passwd') && entries.has('etc/group'));
  // Nothing the relay does not need: no shell, no package manager, no other libraries.
  assert.equal(entries.has('bin/sh'), false);
  const libs = [...entries.keys()].filter((p) => /\.so(\.|$)/.test(p));
  assert.deepEqual(libs.sort(), built.sharedObjects.flatMap((s) => s.paths).sort());
});

test('the image config should name the version, source and licenses, and run as the Deployment user', async () => {
  const labels = image.config.config.Labels ?? {};
  assert.equal(labels['org.opencontainers.image.version'], built.version);
  assert.match(labels['org.opencontainers.image.source'] ?? '', /^https:\/\//);
  assert.equal(labels['org.opencontainers.image.licenses'], 'Apache-2.0');
  assert.equal(image.config.config.User, `${(await readDeployment()).runAsUser}:${NONROOT.gid}`);
  assert.deepEqual(
    image.config.rootfs.diff_ids,
    built.layers.map((l) => l.diffId),
  );
  assert.equal(image.manifestDigest, built.manifestDigest);
  assert.equal(image.index.manifests[0]?.annotations?.['org.opencontainers.image.ref.name'], built.version);
  assert.deepEqual(image.dockerManifest[0]?.RepoTags, [built.ref]);
});
