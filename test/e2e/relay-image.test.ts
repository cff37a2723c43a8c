// E2e: the relay image built without a daemon, unpacked layer by layer into a root filesystem and run there (read-only, user 65532) as a container runtime would, converges a Website on the real control plane.
//
// No container runtime exists here, so this test is one: it builds the archive (deploy/image/build.ts),
// unpacks its layers in order (whiteouts honoured) with GNU tar, bind-mounts the root read-only with
// /proc and a minimal /dev on top, puts the ServiceAccount's token and CA where the kubelet mounts them
// (/var/run/secrets/kubernetes.io/serviceaccount), and starts the config's exact Entrypoint with
// `env -i <config Env + the Pod's env> unshare --root --wd --setuid --setgid` (the root's chroot, the
// config's WorkingDir and User). The Pod's env is the Deployment's (LEADER_ELECTION, POD_NAME,
// POD_NAMESPACE, KUBERNETES_SERVICE_HOST/PORT) plus this test's RECONCILER_SELECTOR and a loopback
// metrics port. Needs root (mount, chroot); every mount is undone in teardown.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { freePort } from '../../cluster/ports.ts';
import { buildImage, type BuiltImage } from '../../deploy/image/build.ts';
import { NONROOT } from '../../deploy/image/config.ts';
import type { KObject } from '../../relay/kube/object.ts';
import type { RunningWorker } from '../../worker/testing/harness.ts';
import { startWorker } from '../../worker/testing/harness.ts';
import { sharedControlPlane } from '../support/cluster.ts';
import {
  generatedManifests,
  inClusterEnv,
  installDeploy,
  relayToken,
  RELAY_NAMESPACE,
} from '../support/install.ts';
import { TestKube } from '../support/kube.ts';
import { readOciArchive, unpackLayers, type OciArchive } from '../support/oci-image.ts';
import type { RelayProcess } from '../support/relay-process.ts';
import { startRelayProcess } from '../support/relay-process.ts';
import { prepareNamespace, WEBSITE } from '../support/relay-env.ts';
import { waitConverged } from '../support/websites.ts';
import { MSG_RELAY_STARTED } from '../../relay/relay.ts';
import { silentLogger } from '../../relay/observe/log.ts';

const run = promisify(execFile);
const SERVICE_ACCOUNT_DIR = 'var/run/secrets/kubernetes.io/serviceaccount';
const POD_NAME = 'zeroloop-relay-image-test';
const notRoot = process.getuid?.() !== 0 ? 'needs root: it mounts and chroots as a container runtime' : false;

let kube: TestKube;
let namespace: string;
let worker: RunningWorker | undefined;
let relay: RelayProcess | undefined;
let tmp: string;
let rootfs: string;
let built: BuiltImage;
let image: OciArchive;
let childEnv: string[];
/** Mount points, in the order they were mounted; teardown unmounts in reverse. */
const mounts: string[] = [];
const manifests: KObject[] = [];

async function mount(args: string[], target: string): Promise<void> {
  await run('mount', [...args, target]);
  mounts.push(target);
}

before(async () => {
  if (notRoot) return;
  const plane = await sharedControlPlane();
  kube = new TestKube(plane.restConfig);
  await installDeploy(kube);
  namespace = await prepareNamespace(kube, 'zl-img');
  const workerUrl = (worker = await startWorker()).url.href;
  manifests.push(
    ...(await generatedManifests([
      'website',
      '--worker-url',
      workerUrl,
      '--namespace',
      namespace,
      '--name',
      `${namespace}-website`,
      '--label',
      `zeroloop.dev/test=${namespace}`,
    ])),
  );
  for (const obj of manifests) await kube.apply(obj);

  tmp = await mkdtemp(join(tmpdir(), 'zl-image-e2e-'));
  built = await buildImage({ out: join(tmp, 'out'), logger: silentLogger });
  image = await readOciArchive(built.archive, join(tmp, 'archive'));
  rootfs = join(tmp, 'rootfs');
  await unpackLayers(image, rootfs);

  // What the kubelet and the runtime add to a container: the ServiceAccount volume, /proc, /dev.
  const inCluster = await inClusterEnv(
    plane.restConfig,
    await relayToken(kube),
    join(rootfs, SERVICE_ACCOUNT_DIR),
  );
  for (const dir of ['proc', 'dev']) await mkdir(join(rootfs, dir), { recursive: true });
  await mount(['--bind', rootfs], rootfs);
  await mount(['-o', 'remount,bind,ro', rootfs], rootfs);
  mounts.pop(); // the remount is the same mount
  await mount(['-t', 'proc', 'proc'], join(rootfs, 'proc'));
  await mount(['-t', 'tmpfs', '-o', 'mode=755,size=64k', 'tmpfs'], join(rootfs, 'dev'));
  for (const device of ['null', 'zero', 'random', 'urandom']) {
    await writeFile(join(rootfs, 'dev', device), '');
    await mount(['--bind', `/dev/${device}`], join(rootfs, 'dev', device));
  }

  const { config } = image.config;
  // As the kubelet does: the container's env over the image's, a name set in both taking the container's value.
  const env = new Map((config.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e] as const));
  // A fixed port: `env -i` leaves the relay no IPC channel to report the one it would pick.
  const metricsPort = await freePort();
  for (const e of [
    // The Deployment's env that is not an image default (deploy/relay/deployment.yaml).
    'LEADER_ELECTION=true',
    `POD_NAME=${POD_NAME}`,
    `POD_NAMESPACE=${RELAY_NAMESPACE}`,
    `KUBERNETES_SERVICE_HOST=${inCluster.KUBERNETES_SERVICE_HOST ?? ''}`,
    `KUBERNETES_SERVICE_PORT=${inCluster.KUBERNETES_SERVICE_PORT ?? ''}`,
    // This test's: its Reconcilers only, metrics on a free loopback port (the host's network is shared).
    `RECONCILER_SELECTOR=zeroloop.dev/test=${namespace}`,
    `METRICS_PORT=${String(metricsPort)}`,
    'METRICS_HOST=127.0.0.1',
  ])
    env.set(e.slice(0, e.indexOf('=')), e);
  childEnv = [...env.values()];
  const [uid, gid] = (config.User ?? '').split(':');
  relay = await startRelayProcess({
    command: [
      'env',
      '-i',
      ...childEnv,
      'unshare',
      `--root=${rootfs}`,
      `--wd=${config.WorkingDir ?? '/'}`,
      `--setgid=${gid ?? ''}`,
      `--setuid=${uid ?? ''}`,
      '--',
      ...(config.Entrypoint ?? []),
      ...(config.Cmd ?? []),
    ],
    selector: `zeroloop.dev/test=${namespace}`,
    metricsPort,
  });
});

after(async () => {
  if (notRoot) return;
  await relay?.kill('SIGTERM');
  const failures: string[] = [];
  for (const target of mounts.reverse())
    await run('umount', [target]).catch((error: unknown) => failures.push(`${target}: ${String(error)}`));
  await worker?.close();
  for (const obj of manifests)
    await kube.delete(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
  await kube.delete('v1', 'Namespace', undefined, namespace);
  if (failures.length === 0) await rm(tmp, { recursive: true, force: true });
  assert.deepEqual(failures, [], 'every mount is undone');
});

test(
  'the relay in the image should run the config entrypoint as 65532 in /app, chrooted, with exactly the image and Pod env',
  { skip: notRoot },
  async () => {
    const pid = relay?.child.pid;
    assert.ok(pid !== undefined);
    const { config } = image.config;
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').slice(0, -1);
    assert.deepEqual(cmdline, [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])]);
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    assert.match(
      status,
      new RegExp(`^Uid:\\s+${NONROOT.uid}\\s+${NONROOT.uid}\\s+${NONROOT.uid}\\s+${NONROOT.uid}$`, 'm'),
    );
    assert.match(
      status,
      new RegExp(`^Gid:\\s+${NONROOT.gid}\\s+${NONROOT.gid}\\s+${NONROOT.gid}\\s+${NONROOT.gid}$`, 'm'),
    );
    assert.match(status, /^Groups:\s*$/m, 'no supplementary groups');
    assert.equal(await readlink(`/proc/${pid}/root`), rootfs);
    assert.equal(await readlink(`/proc/${pid}/cwd`), join(rootfs, config.WorkingDir ?? ''));
    const environ = (await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0').filter((e) => e !== '');
    assert.deepEqual(environ, childEnv);
    // In-cluster configuration from the ServiceAccount files at the kubelet's path, as the ServiceAccount.
    assert.ok(relay?.lines.some((l) => l.msg === MSG_RELAY_STARTED));
  },
);

test(
  'the relay in the image should converge a Website through the workerd worker',
  { skip: notRoot },
  async () => {
    await kube.create({ ...WEBSITE, metadata: { name: 'home', namespace }, spec: { html: '<h1>home</h1>' } });
    await waitConverged(kube, namespace, ['home'], 30_000);
    const leases = await kube.get('coordination.k8s.io/v1', 'Lease', RELAY_NAMESPACE, 'zeroloop-relay');
    assert.equal((leases?.spec as { holderIdentity?: string } | undefined)?.holderIdentity, POD_NAME);
  },
);

test(
  'the root filesystem should stay read-only: the relay needs no writable path, /tmp included',
  { skip: notRoot },
  async () => {
    await assert.rejects(writeFile(join(rootfs, 'tmp', 'probe'), 'x'), { code: 'EROFS' });
    await assert.rejects(writeFile(join(rootfs, 'app', 'probe'), 'x'), { code: 'EROFS' });
    assert.ok(relay);
    assert.equal(relay.child.exitCode, null, 'the relay still runs');
    const errors = relay.lines.filter((l) => l.level === 'error');
    assert.deepEqual(errors, [], 'no error logged');
  },
);

test(
  'SIGTERM should stop the relay in the image gracefully, handing the Lease back',
  { skip: notRoot },
  async () => {
    assert.ok(relay);
    assert.deepEqual(await relay.kill('SIGTERM'), { code: 0, signal: null });
    const lease = await kube.get('coordination.k8s.io/v1', 'Lease', RELAY_NAMESPACE, 'zeroloop-relay');
    assert.notEqual((lease?.spec as { holderIdentity?: string } | undefined)?.holderIdentity, POD_NAME);
  },
);
