// buildImage should be reproducible, write an archive that go-containerregistry reads back both as an OCI layout and as a docker tarball and that crane pushes to a registry, and refuse a bad tag without writing anything.
//
// The registry is crane's own (`crane registry serve`, in memory, on loopback): no registry is reachable
// from these machines, and the push path is the same as to ghcr.io.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { buildImage, type BuiltImage } from './build.ts';
import { ensureImageTool } from './tool.ts';
import { silentLogger } from '../../relay/observe/log.ts';

const run = promisify(execFile);
/** The time and revision a release pins (by default both follow the last commit, which moves as others commit). */
const PINNED = { sourceDateEpoch: 1_780_000_000, revision: 'test' } as const;
let tmp: string;
let first: BuiltImage;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'zl-image-build-'));
  first = await buildImage({ out: join(tmp, 'a'), logger: silentLogger, ...PINNED });
});

after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

test('buildImage should give the same digests when built again from the same inputs', async () => {
  const again = await buildImage({ out: join(tmp, 'b'), logger: silentLogger, ...PINNED });
  assert.deepEqual(
    again.layers.map((l) => l.digest),
    first.layers.map((l) => l.digest),
  );
  assert.equal(again.manifestDigest, first.manifestDigest);
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

/** A free loopback port (listen on 0, close). */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

test('crane should push the archive and the layout folder to a registry, the layout with the built manifest digest', async () => {
  const { crane } = await ensureImageTool({ logger: silentLogger });
  const port = await freePort();
  const registry = spawn(crane, ['registry', 'serve', '--address', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: registry.stderr }).on('line', (line) => {
        if (line.includes('serving on port')) resolve();
      });
      registry.once('exit', (code) => {
        reject(new Error(`crane registry serve exited ${String(code)}`));
      });
    });
    const repo = `127.0.0.1:${port}/you/relay`;
    const crn = async (...args: string[]) =>
      (await run(crane, args, { maxBuffer: 16 * 1024 * 1024 })).stdout.trim();
    // As the README says: the archive (read as a docker tarball: crane makes a Docker-typed manifest
    // over the same config and layers) and the layout folder (the OCI manifest as built).
    assert.match(await crn('push', first.archive, `${repo}:from-tar`), /@sha256:[0-9a-f]{64}$/);
    assert.equal(
      await crn('push', first.layoutDir, `${repo}:${first.version}`),
      `${repo}@${first.manifestDigest}`,
    );
    for (const tag of ['from-tar', first.version]) {
      await crn('validate', '--remote', `${repo}:${tag}`);
      const manifest = JSON.parse(await crn('manifest', `${repo}:${tag}`)) as {
        config: { digest: string };
        layers: { digest: string }[];
      };
      assert.equal(manifest.config.digest, first.configDigest, tag);
      assert.deepEqual(
        manifest.layers.map((l) => l.digest),
        first.layers.map((l) => l.digest),
        tag,
      );
    }
    assert.equal(await crn('digest', `${repo}:${first.version}`), first.manifestDigest);
  } finally {
    registry.kill('SIGTERM');
  }
});
