// buildImage should be reproducible, write an archive that go-containerregistry reads back both as an OCI layout and as a docker tarball, and refuse a bad tag without writing anything.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { silentLogger } from '../../cluster/log.ts';
import { buildImage, type BuiltImage } from './build.ts';
import { ensureImageTool } from './tool.ts';

const run = promisify(execFile);
let tmp: string;
let first: BuiltImage;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'zl-image-build-'));
  first = await buildImage({ out: join(tmp, 'a'), logger: silentLogger });
});

after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

test('buildImage should give the same digests when built again from the same inputs', async () => {
  const again = await buildImage({ out: join(tmp, 'b'), logger: silentLogger });
  assert.equal(again.manifestDigest, first.manifestDigest);
  assert.deepEqual(
    again.layers.map((l) => l.digest),
    first.layers.map((l) => l.digest),
  );
});

test('the archive should read back as an OCI layout (skopeo oci-archive) and as a docker tarball (crane push, docker load)', async () => {
  const tool = await ensureImageTool({ logger: silentLogger });
  const { stdout } = await run(tool.path, ['verify', first.archive], { maxBuffer: 16 * 1024 * 1024 });
  const seen = JSON.parse(stdout) as {
    oci: { manifestDigest: string; configDigest: string; layerDigests: string[]; refName: string };
    docker: { configDigest: string; layerDigests: string[]; config: { Entrypoint: string[]; User: string } };
  };
  const layers = first.layers.map((l) => l.digest);
  assert.equal(seen.oci.manifestDigest, first.manifestDigest);
  assert.equal(seen.oci.refName, first.version);
  assert.deepEqual(seen.oci.layerDigests, layers);
  // The docker tarball reader makes its own (docker) manifest; config and layers are the same blobs.
  assert.equal(seen.docker.configDigest, first.configDigest);
  assert.deepEqual(seen.docker.layerDigests, layers);
  assert.deepEqual(seen.docker.config.Entrypoint, first.config.entrypoint);
  assert.equal(seen.docker.config.User, first.config.user);
});

test('buildImage should refuse a version that is not a valid tag and leave the output folder empty', async () => {
  const out = join(tmp, 'bad');
  await assert.rejects(
    buildImage({ out, version: 'not a tag', logger: silentLogger }),
    /ref "ghcr\.io\/zeroloop\/relay:not a tag"/,
  );
  assert.deepEqual(await readdir(out).catch(() => []), []);
});
