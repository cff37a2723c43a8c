// E2e: one worker in real workerd serves two control planes, each relay signing with its own cluster's key.
//
// The shared control plane is cluster `east`, a private one started here is cluster `west`; the worker
// holds both keys in SIGNING_KEYS (key id → secret and cluster). Each relay reads its key and key id
// from its own signing Secret. The worker logs every request with the cluster its key belongs to (the
// cluster comes from the key, never from a header), and a key of one cluster cannot sign as the other.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ControlPlane } from '../../cluster/index.ts';
import { startControlPlane } from '../../cluster/index.ts';
import { ROUTES } from '../../src/protocol/routes.ts';
import type { RunningWorker } from '../../worker/testing/harness.ts';
import { startWorker } from '../../worker/testing/harness.ts';
import { sampleRequest, signedPost } from '../../worker/testing/requests.ts';
import type { SharedControlPlane } from '../support/cluster.ts';
import { controlPlaneAt, sharedControlPlane } from '../support/cluster.ts';
import { eventually, TestKube } from '../support/kube.ts';
import type { RelayProcess } from '../support/relay-process.ts';
import { startRelayProcess } from '../support/relay-process.ts';
import { prepareNamespace, reconcilerManifest, WEBSITE, WEBSITE_RECONCILER } from '../support/relay-env.ts';
import { waitConverged } from '../support/websites.ts';

const KEYS = {
  'east-1': { secret: 'east-cluster-signing-secret', cluster: 'east' },
  'west-1': { secret: 'west-cluster-signing-secret', cluster: 'west' },
} as const;
type KeyId = keyof typeof KEYS;

interface Cluster {
  keyId: KeyId;
  plane: SharedControlPlane;
  kube: TestKube;
  namespace: string;
  relay: RelayProcess;
}

let westPlane: ControlPlane;
let worker: RunningWorker;
const clusters: Cluster[] = [];

async function joinCluster(plane: SharedControlPlane, keyId: KeyId): Promise<Cluster> {
  const kube = new TestKube(plane.restConfig);
  const namespace = await prepareNamespace(kube, `zl-mc-${KEYS[keyId].cluster}`);
  // This cluster's key, and the id the worker knows it by.
  await kube.patch('v1', 'Secret', namespace, 'worker-signing', {
    stringData: { secret: KEYS[keyId].secret, keyId },
  });
  await kube.apply(reconcilerManifest(WEBSITE_RECONCILER, namespace, worker.url.href));
  const relay = await startRelayProcess({
    kubeconfigPath: plane.kubeconfigPath,
    selector: `zeroloop.dev/test=${namespace}`,
  });
  return { keyId, plane, kube, namespace, relay };
}

before(async () => {
  westPlane = await startControlPlane({ handleSignals: false });
  worker = await startWorker(undefined, { SIGNING_SECRET: '', SIGNING_KEYS: JSON.stringify(KEYS) });
  clusters.push(await joinCluster(await sharedControlPlane(), 'east-1'));
  clusters.push(await joinCluster(await controlPlaneAt(westPlane.kubeconfigPath), 'west-1'));
});

after(async () => {
  for (const c of clusters) {
    await c.relay.kill('SIGTERM');
    await c.kube.delete('zeroloop.dev/v1alpha1', 'Reconciler', undefined, `${c.namespace}-website`);
    await c.kube.delete('v1', 'Namespace', undefined, c.namespace);
  }
  await worker.close();
  await westPlane.stop();
});

test('Websites in both clusters converge through one worker, whose logs name the cluster of each request', async () => {
  for (const c of clusters)
    await c.kube.create({
      ...WEBSITE,
      metadata: { name: 'site', namespace: c.namespace },
      spec: { html: 'hi' },
    });
  for (const c of clusters) await waitConverged(c.kube, c.namespace, ['site'], 30_000);

  const reconciles = worker
    .logLines()
    .filter((l) => l.msg === 'request' && l.path === ROUTES.reconcile('website') && l.status === 200);
  for (const c of clusters) {
    const mine = reconciles.filter((l) => l.primary === `${c.namespace}/site`);
    assert.ok(mine.length > 0, `the worker logged reconciles of ${c.namespace}/site`);
    assert.deepEqual(
      [...new Set(mine.map((l) => `${String(l.cluster)} ${String(l.keyId)}`))],
      [`${KEYS[c.keyId].cluster} ${c.keyId}`],
    );
  }
});

test("a key of one cluster cannot sign as the other's key id", async () => {
  const path = ROUTES.reconcile('faulty');
  const body = sampleRequest({ name: 'forged', spec: { mode: 'ok' } });
  const forged = await signedPost(path, body, { keyId: 'east-1', secret: KEYS['west-1'].secret });
  const refused = await worker.fetch(path, forged);
  assert.equal(refused.status, 401);
  const honest = await signedPost(path, body, { keyId: 'west-1', secret: KEYS['west-1'].secret });
  assert.equal((await worker.fetch(path, honest)).status, 200);
  const lines = worker.logLines().filter((l) => l.msg === 'request' && l.path === path);
  assert.deepEqual(
    lines.map((l) => [l.status, l.cluster]),
    [
      [401, undefined],
      [200, 'west'],
    ],
  );
});

test("a relay whose Secret names the other cluster's key id, with its own secret, is refused by the worker", async () => {
  const west = clusters[1];
  assert.ok(west);
  await west.kube.patch('v1', 'Secret', west.namespace, 'worker-signing', {
    stringData: { keyId: 'east-1' },
  });
  // The signing Secret is read when a controller starts: change the Reconciler to restart it.
  await west.kube.patch('zeroloop.dev/v1alpha1', 'Reconciler', undefined, `${west.namespace}-website`, {
    spec: { concurrency: 2 },
  });
  worker.clearLogs();
  await west.kube.create({
    ...WEBSITE,
    metadata: { name: 'forged', namespace: west.namespace },
    spec: { html: 'no' },
  });
  const warning = await eventually('a Warning Event on Website forged', async () =>
    (await west.kube.events(west.namespace, 'forged')).find((e) => e.type === 'Warning'),
  );
  assert.match(warning.message, /401|signature|unauthori[sz]ed/i);
  const refused = worker
    .logLines()
    .filter((l) => l.msg === 'request' && l.primary === undefined && l.status === 401);
  assert.ok(refused.length > 0, 'the worker refused the forged signature');
  assert.ok(
    worker.logLines().every((l) => l.cluster !== 'east'),
    'nothing from west was accepted as east',
  );
});
