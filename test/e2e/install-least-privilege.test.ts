// E2e: deploy/ installed on the real control plane, the relay run as its ServiceAccount only, with the RBAC `zeroloop manifests` generates.
//
// The relay runs from the image's file tree (deploy/image-tree.ts), read-only, with the Deployment's
// command, as a child process with in-cluster configuration and nothing else: KUBERNETES_SERVICE_HOST/
// PORT and a TokenRequest token and the CA in a service-account directory (ZEROLOOP_SERVICE_ACCOUNT_DIR
// stands in for the kubelet's mount). Website and Database converge under that identity; the identity
// can do nothing more (SelfSubjectAccessReviews and real attempts); and a grant taken away shows on
// the Reconciler as Ready=False, reason Forbidden, naming verb, resource and namespace, until restored.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { load } from 'js-yaml';
import { ENTRY, listTree, type ImageFile } from '../../deploy/image-tree.ts';
import { KubeApiError, type KubeClient } from '../../relay/kube/client.ts';
import type { KObject } from '../../relay/kube/object.ts';
import type { RunningWorker } from '../../worker/testing/harness.ts';
import { startWorker } from '../../worker/testing/harness.ts';
import { sharedControlPlane } from '../support/cluster.ts';
import {
  canI,
  generatedManifests,
  inClusterEnv,
  installDeploy,
  relayClient,
  relayToken,
  RELAY_NAMESPACE,
} from '../support/install.ts';
import { eventually, TestKube } from '../support/kube.ts';
import type { RelayProcess } from '../support/relay-process.ts';
import { startRelayProcess } from '../support/relay-process.ts';
import { DATABASE, prepareNamespace, STATEFULSET, WEBSITE } from '../support/relay-env.ts';
import { waitConverged } from '../support/websites.ts';
import { MSG_FORBIDDEN } from '../../relay/config/readiness.ts';
import { MSG_RELAY_STARTED } from '../../relay/relay.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RECONCILER = { apiVersion: 'zeroloop.dev/v1alpha1', kind: 'Reconciler' } as const;

let kube: TestKube;
let namespace: string;
let worker: RunningWorker;
let relay: RelayProcess;
let asRelay: KubeClient;
let saDir: string;
let tmp: string;
let imageFiles: ImageFile[];
/** The generated manifests, per reconciler, as applied. */
const manifests = new Map<string, KObject[]>();

const reconcilerName = (reconciler: string) => `${namespace}-${reconciler}`;

async function readyCondition(reconciler: string) {
  const obj = await kube.get(RECONCILER.apiVersion, RECONCILER.kind, undefined, reconcilerName(reconciler));
  const status = obj?.status as {
    conditions?: { type: string; status: string; reason: string; message: string }[];
  };
  return status.conditions?.find((c) => c.type === 'Ready');
}

function waitReady(reconciler: string, status: 'True' | 'False', reason: string, timeoutMs = 60_000) {
  return eventually(
    `Reconciler ${reconciler} Ready=${status} ${reason}`,
    async () => {
      const ready = await readyCondition(reconciler).catch(() => undefined);
      return ready?.status === status && ready.reason === reason ? ready : undefined;
    },
    timeoutMs,
  );
}

before(async () => {
  const plane = await sharedControlPlane();
  kube = new TestKube(plane.restConfig);
  await installDeploy(kube);
  // The namespace holds a Secret `worker-signing` of its own: one the relay was NOT granted.
  namespace = await prepareNamespace(kube, 'zl-lp');
  worker = await startWorker();
  for (const reconciler of ['website', 'database']) {
    const objects = await generatedManifests([
      reconciler,
      '--worker-url',
      worker.url.href,
      '--namespace',
      namespace,
      '--name',
      reconcilerName(reconciler),
      '--label',
      `zeroloop.dev/test=${namespace}`,
    ]);
    for (const obj of objects) await kube.apply(obj);
    manifests.set(reconciler, objects);
  }
  const token = await relayToken(kube);
  asRelay = relayClient(plane.restConfig, token);
  tmp = await mkdtemp(join(tmpdir(), 'zl-install-'));
  saDir = join(tmp, 'serviceaccount');
  const app = join(tmp, 'app');
  // As the Dockerfile's build stage runs it.
  await promisify(execFile)(process.execPath, ['deploy/image-tree.ts', app], { cwd: ROOT });
  imageFiles = await listTree(app);
  // The Deployment mounts the root filesystem read-only: so is the tree here.
  for (const file of imageFiles) await chmod(join(app, file.path), 0o444);
  await chmod(app, 0o555);
  relay = await startRelayProcess({
    command: await deploymentCommand(),
    cwd: app,
    selector: `zeroloop.dev/test=${namespace}`,
    env: await inClusterEnv(plane.restConfig, token, saDir),
  });
  await waitReady('website', 'True', 'Running');
  await waitReady('database', 'True', 'Running');
});

after(async () => {
  await relay.kill('SIGTERM');
  await worker.close();
  for (const objects of manifests.values())
    for (const obj of objects)
      await kube.delete(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
  await kube.delete('v1', 'Namespace', undefined, namespace);
  await chmod(join(tmp, 'app'), 0o755).catch(() => undefined);
  await rm(tmp, { recursive: true, force: true });
});

/** deploy/relay/deployment.yaml's container command, with `node` this test's Node 24. */
async function deploymentCommand(): Promise<[string, ...string[]]> {
  const deployment = load(
    await readFile(new URL('../../deploy/relay/deployment.yaml', import.meta.url), 'utf8'),
  ) as {
    spec: { template: { spec: { containers: { command: string[] }[] } } };
  };
  const [node, ...args] = deployment.spec.template.spec.containers[0]?.command ?? [];
  assert.equal(node, 'node');
  assert.equal(args.at(-1), ENTRY, 'the Deployment runs the bundled entry point');
  return [process.execPath, ...args];
}

test('the image tree is one bundled entry point and its package.json: no node_modules, no sources', () => {
  assert.deepEqual(
    imageFiles.map((f) => f.path),
    ['package.json', ENTRY, `${ENTRY}.LEGAL.txt`],
  );
  const bytes = imageFiles.reduce((n, f) => n + f.bytes, 0);
  assert.ok(bytes < 4 * 1024 * 1024, `the tree is ${bytes} bytes`);
});

test('the relay runs on in-cluster configuration alone, as the ServiceAccount zeroloop-system/zeroloop-relay', async () => {
  const review = (await asRelay.request('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
  })) as { status: { userInfo: { username: string } } };
  assert.equal(review.status.userInfo.username, `system:serviceaccount:${RELAY_NAMESPACE}:zeroloop-relay`);
  const loaded = relay.lines.find((l) => l.msg === MSG_RELAY_STARTED);
  assert.ok(loaded, 'the relay started');
});

test('a Website converges under the generated RBAC', async () => {
  await kube.create({ ...WEBSITE, metadata: { name: 'home', namespace }, spec: { html: '<h1>home</h1>' } });
  await waitConverged(kube, namespace, ['home'], 30_000);
});

test('a Database converges under the generated RBAC, holding its finalizer, and is released on delete', async () => {
  await kube.create({ ...DATABASE, metadata: { name: 'orders', namespace }, spec: { members: 1 } });
  await eventually('StatefulSet orders', () =>
    kube.get(STATEFULSET.apiVersion, STATEFULSET.kind, namespace, 'orders'),
  );
  const db = await eventually('Database orders with finalizer and status', async () => {
    const obj = await kube.get(DATABASE.apiVersion, DATABASE.kind, namespace, 'orders');
    const status = obj?.status as { conditions?: unknown[] } | undefined;
    return obj?.metadata.finalizers?.includes('zeroloop.dev/database') && status?.conditions
      ? obj
      : undefined;
  });
  assert.ok(db.metadata.finalizers?.includes('zeroloop.dev/database'));
  await kube.delete(DATABASE.apiVersion, DATABASE.kind, namespace, 'orders');
  await eventually('Database orders gone (finalizer released)', async () =>
    (await kube.get(DATABASE.apiVersion, DATABASE.kind, namespace, 'orders')) ? undefined : true,
  );
});

test('the ServiceAccount can do what the Reconcilers need and nothing more', async () => {
  const allowed = async (a: Parameters<typeof canI>[1]) => canI(asRelay, a);
  // What it needs.
  assert.equal(
    await allowed({ verb: 'get', resource: 'secrets', namespace: RELAY_NAMESPACE, name: 'worker-signing' }),
    true,
  );
  assert.equal(await allowed({ verb: 'create', group: 'apps', resource: 'deployments', namespace }), true);
  assert.equal(await allowed({ verb: 'patch', group: 'apps', resource: 'statefulsets', namespace }), true);
  assert.equal(await allowed({ verb: 'watch', resource: 'pods', namespace }), true);
  // Secrets it was not granted: another Secret, any Secret of the reconcilers' namespace, listing.
  assert.equal(await allowed({ verb: 'get', resource: 'secrets', namespace, name: 'worker-signing' }), false);
  assert.equal(await allowed({ verb: 'list', resource: 'secrets', namespace: RELAY_NAMESPACE }), false);
  assert.equal(
    await allowed({ verb: 'get', resource: 'secrets', namespace: RELAY_NAMESPACE, name: 'other' }),
    false,
  );
  // Kinds outside the owns, writes outside the namespaces, RBAC itself.
  for (const [group, resource] of [
    ['', 'secrets'],
    ['', 'pods'],
    ['apps', 'daemonsets'],
    ['batch', 'jobs'],
    ['rbac.authorization.k8s.io', 'roles'],
    ['rbac.authorization.k8s.io', 'rolebindings'],
  ] as const)
    assert.equal(await allowed({ verb: 'create', group, resource, namespace }), false, `create ${resource}`);
  assert.equal(
    await allowed({ verb: 'create', group: 'apps', resource: 'deployments', namespace: 'default' }),
    false,
  );
  assert.equal(
    await allowed({ verb: 'list', group: 'apps', resource: 'deployments' }),
    false,
    'cluster-wide list',
  );
  // Real attempts, refused by the apiserver.
  const status = (promise: Promise<unknown>) =>
    promise.then(
      () => 200,
      (error: unknown) => (error instanceof KubeApiError ? error.status : -1),
    );
  assert.equal(
    await status(asRelay.request('GET', `/api/v1/namespaces/${namespace}/secrets/worker-signing`)),
    403,
  );
  assert.equal(
    await status(
      asRelay.request('POST', `/api/v1/namespaces/${namespace}/secrets`, {
        body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sneaky' } },
      }),
    ),
    403,
  );
  // And the relay itself never hit a refusal on the way.
  assert.deepEqual(
    relay.lines.filter((l) => JSON.stringify(l).includes('forbidden')),
    [],
  );
});

test('a missing grant sets Ready=False reason Forbidden naming verb, resource and namespace; restoring it recovers', async () => {
  const objects = manifests.get('website') ?? [];
  const role = objects.find((o) => o.kind === 'Role');
  assert.ok(role);
  const rules = role.rules as { resources: string[] }[];
  const without = { ...role, rules: rules.filter((r) => !r.resources.includes('deployments')) };
  assert.equal(without.rules.length, rules.length - 1);
  await kube.apply(without);
  // A change to the Reconciler restarts its controller: its watches list again, under the new RBAC.
  await kube.patch(RECONCILER.apiVersion, RECONCILER.kind, undefined, reconcilerName('website'), {
    spec: { concurrency: 3 },
  });
  const refused = await waitReady('website', 'False', 'Forbidden');
  assert.match(
    refused.message,
    new RegExp(`may not (list|watch) deployments\\.apps in namespace ${namespace}; grant it`),
  );
  const logged = await eventually('a structured log line of the refusal', () =>
    Promise.resolve(relay.lines.find((l) => l.msg === MSG_FORBIDDEN && l.resource === 'deployments')),
  );
  assert.equal(logged.namespace, namespace);
  assert.equal(logged.apiGroup, 'apps');
  assert.ok(logged.verb === 'list' || logged.verb === 'watch');
  assert.equal(logged.reconcilerResource, reconcilerName('website'));
  // Not a crash loop: the process lives, and the other Reconciler stays Ready.
  assert.equal(relay.child.exitCode, null);
  assert.equal((await readyCondition('database'))?.status, 'True');

  await kube.apply(role);
  await waitReady('website', 'True', 'Running');
  await kube.create({ ...WEBSITE, metadata: { name: 'after', namespace }, spec: { html: '<h1>after</h1>' } });
  await waitConverged(kube, namespace, ['after'], 30_000);
});

test('a refused write (create taken away) sets Ready=False reason Forbidden naming create; restoring it recovers', async () => {
  const role = (manifests.get('website') ?? []).find((o) => o.kind === 'Role');
  assert.ok(role);
  const rules = role.rules as { verbs: string[] }[];
  await kube.apply({
    ...role,
    rules: rules.map((r) => ({ ...r, verbs: r.verbs.filter((v) => v !== 'create') })),
  });
  // Server-side apply of an object that does not exist yet is authorized as create, too.
  await kube.create({ ...WEBSITE, metadata: { name: 'refused', namespace }, spec: { html: '<h1>no</h1>' } });
  const refused = await waitReady('website', 'False', 'Forbidden');
  assert.match(
    refused.message,
    new RegExp(`may not create (deployments\\.apps|services|configmaps) in namespace ${namespace}; grant it`),
  );
  assert.equal(relay.child.exitCode, null);
  await kube.apply(role);
  await waitReady('website', 'True', 'Running');
  await waitConverged(kube, namespace, ['refused'], 30_000);
});
