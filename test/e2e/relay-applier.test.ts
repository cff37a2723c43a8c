// E2e: the Applier against the real apiserver: all-or-nothing apply (dry-run first), prune of stamped objects only.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { ApplyFailed, Applier } from '../../relay/apply/applier.ts';
import { stamp } from '../../relay/apply/ownership.ts';
import type { ResourceInfo } from '../../relay/kube/discovery.ts';
import type { KObject } from '../../relay/kube/object.ts';
import { sharedControlPlane } from '../support/cluster.ts';
import { TestKube } from '../support/kube.ts';

let kube: TestKube;
let namespace: string;
let primary: KObject;
let resources: Map<string, ResourceInfo>;
let primaryResource: ResourceInfo;

before(async () => {
  kube = new TestKube((await sharedControlPlane()).kubeConfig);
  namespace = `zl-applier-${randomBytes(3).toString('hex')}`;
  await kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  // Any object with a uid can own; a ConfigMap keeps this test free of CRDs.
  primary = await kube.create({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'owner', namespace },
  });
  primaryResource = await kube.resource('v1', 'ConfigMap');
  resources = new Map([['v1/ConfigMap', primaryResource]]);
});
after(async () => {
  await kube.delete('v1', 'Namespace', undefined, namespace);
});

const cm = (name: string, data: Record<string, string> = {}) =>
  stamp(
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data },
    primary,
    'applier-test',
    namespace,
  );

const input = (desired: KObject[], owned: KObject[] = []) => ({
  key: `${namespace}/owner`,
  reconciler: 'applier-test',
  primary,
  primaryResource,
  desired,
  owned,
  resources,
  status: null,
});

test('applier should write nothing when the apiserver refuses one of the desired objects', async () => {
  const applier = new Applier({ client: kube.client });
  const error = await applier.apply(input([cm('fine'), cm('Not_A_Valid_Name')])).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof ApplyFailed);
  assert.equal(error.step, 'dry-run');
  assert.equal(error.key, `${namespace}/owner`);
  assert.match(error.message, /Not_A_Valid_Name/);
  assert.equal(
    await kube.get('v1', 'ConfigMap', namespace, 'fine'),
    undefined,
    'the valid object was not applied',
  );
});

test('applier should apply with its field manager, then prune only stamped objects no longer desired', async () => {
  const applier = new Applier({ client: kube.client });
  await applier.apply(input([cm('keep', { a: '1' }), cm('drop')]));
  const stored = await kube.list('v1', 'ConfigMap', namespace, 'zeroloop.dev/owner');
  assert.deepEqual(stored.map((o) => o.metadata.name).sort(), ['keep', 'drop'].sort());
  // Someone else's object pointing at the same owner, without the owner label: never pruned.
  const foreign = await kube.create({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'foreign',
      namespace,
      ownerReferences: [
        { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: primary.metadata.uid, controller: true },
      ],
    },
  });
  const result = await applier.apply(input([cm('keep', { a: '2' })], [...stored, foreign]));
  assert.deepEqual(result, { applied: 1, pruned: 1, statusWritten: false });
  assert.equal(await kube.get('v1', 'ConfigMap', namespace, 'drop'), undefined);
  assert.ok(await kube.get('v1', 'ConfigMap', namespace, 'foreign'));
  const keep = await kube.get('v1', 'ConfigMap', namespace, 'keep');
  assert.deepEqual(keep?.data, { a: '2' });
});

test('applier should not change the resourceVersion when the desired state is already applied', async () => {
  const applier = new Applier({ client: kube.client });
  const before = await kube.get('v1', 'ConfigMap', namespace, 'keep');
  await applier.apply(input([cm('keep', { a: '2' })]));
  const after = await kube.get('v1', 'ConfigMap', namespace, 'keep');
  assert.equal(
    after?.metadata.resourceVersion,
    before?.metadata.resourceVersion,
    'a no-op apply writes nothing',
  );
});
