// E2e: the Applier against the real apiserver: all-or-nothing apply, no adoption, skipped no-op writes, prune of its own objects only.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { ApplyFailed, Applier } from '../../relay/apply/applier.ts';
import { withIntent } from '../../relay/apply/intent.ts';
import { identity, OWNER_LABEL, RECONCILER_LABEL, stamp } from '../../relay/apply/ownership.ts';
import type { ResourceInfo } from '../../relay/kube/discovery.ts';
import type { KObject } from '../../relay/kube/object.ts';
import { sharedControlPlane } from '../support/cluster.ts';
import { eventually, TestKube } from '../support/kube.ts';

let kube: TestKube;
let namespace: string;
let primary: KObject;
let resources: Map<string, ResourceInfo>;
let primaryResource: ResourceInfo;

before(async () => {
  kube = new TestKube((await sharedControlPlane()).restConfig);
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

const cm = (name: string, data: Record<string, string> = {}, owner: KObject = primary) =>
  withIntent(
    stamp({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data }, owner, 'applier-test', namespace)
      .object,
  );

/** The namespace's ConfigMaps as the relay's cache would hold them (read now). */
async function cache(): Promise<Map<string, KObject>> {
  return new Map((await kube.list('v1', 'ConfigMap', namespace)).map((o) => [identity(o), o]));
}

async function input(desired: KObject[], options: { owned?: KObject[]; live?: Map<string, KObject> } = {}) {
  const live = options.live ?? (await cache());
  return {
    key: `${namespace}/owner`,
    reconciler: 'applier-test',
    primary,
    primaryResource,
    desired,
    owned: options.owned ?? [],
    live: (obj: KObject) => live.get(identity(obj)),
    resources,
    status: null,
  };
}

test('applier should leave nothing created when the apiserver refuses one of several new objects', async () => {
  const applier = new Applier({ client: kube.client });
  const error = await applier.apply(await input([cm('fine'), cm('Not_A_Valid_Name')])).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof ApplyFailed);
  assert.equal(error.step, 'apply', 'creates alone are applied create-only, with no dry-run');
  assert.equal(error.key, `${namespace}/owner`);
  assert.match(error.message, /Not_A_Valid_Name/);
  assert.match(error.message, /deleted again 1 of the 1 object\(s\) it created/);
  await eventually('the valid object deleted again', async () =>
    (await kube.get('v1', 'ConfigMap', namespace, 'fine')) === undefined ? true : undefined,
  );
});

test('applier should write nothing when the apiserver refuses one of several writes that update', async () => {
  const applier = new Applier({ client: kube.client });
  await applier.apply(await input([cm('kept', { v: '1' })]));
  const error = await applier
    .apply(await input([cm('kept', { v: '2' }), cm('Not_A_Valid_Name_Either')]))
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  assert.ok(error instanceof ApplyFailed);
  assert.equal(error.step, 'dry-run');
  assert.deepEqual(
    (await kube.get('v1', 'ConfigMap', namespace, 'kept'))?.data,
    { v: '1' },
    'the update was not applied',
  );
  await kube.delete('v1', 'ConfigMap', namespace, 'kept');
});

test('applier should apply with its field manager, then prune only stamped objects no longer desired', async () => {
  const applier = new Applier({ client: kube.client });
  await applier.apply(await input([cm('keep', { a: '1' }), cm('drop')]));
  const stored = await kube.list('v1', 'ConfigMap', namespace, OWNER_LABEL);
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
  // Stamped for this primary by another Reconciler: never pruned either.
  const sibling = await kube.create({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'other-reconciler',
      namespace,
      labels: { [OWNER_LABEL]: primary.metadata.uid ?? '', [RECONCILER_LABEL]: 'someone-else' },
    },
  });
  const result = await applier.apply(
    await input([cm('keep', { a: '2' })], { owned: [...stored, foreign, sibling] }),
  );
  assert.equal(result.applied, 1);
  assert.equal(result.pruned, 1);
  assert.equal(await kube.get('v1', 'ConfigMap', namespace, 'drop'), undefined);
  assert.ok(await kube.get('v1', 'ConfigMap', namespace, 'foreign'));
  assert.ok(await kube.get('v1', 'ConfigMap', namespace, 'other-reconciler'));
  const keep = await kube.get('v1', 'ConfigMap', namespace, 'keep');
  assert.deepEqual(keep?.data, { a: '2' });
  assert.equal(
    result.written.get(identity(cm('keep')))?.metadata.resourceVersion,
    keep.metadata.resourceVersion,
    'reports the echo to expect',
  );
});

test('applier should send no request when the live objects already hold the intent, and take a drift back', async () => {
  const applier = new Applier({ client: kube.client });
  const steadyB = cm('steady-b', { b: '1' });
  const desired = [cm('steady-a', { a: '1' }), steadyB];
  const first = await applier.apply(await input(desired));
  assert.equal(first.applied, 2);
  const before = await cache();
  const again = await applier.apply(await input(desired, { live: before }));
  assert.deepEqual([again.applied, again.unchanged, again.written.size], [0, 2, 0]);
  const after = await cache();
  for (const d of desired)
    assert.equal(
      after.get(identity(d))?.metadata.resourceVersion,
      before.get(identity(d))?.metadata.resourceVersion,
    );

  // Another field manager changes a field the relay manages: the next apply takes it back (force).
  await kube.patch('v1', 'ConfigMap', namespace, 'steady-a', { data: { a: 'drifted' } });
  const healed = await applier.apply(await input(desired));
  assert.deepEqual([healed.applied, healed.unchanged], [1, 1]);
  assert.deepEqual((await kube.get('v1', 'ConfigMap', namespace, 'steady-a'))?.data, { a: '1' });

  // A field dropped from the answer changes the intent: it is applied, and the field removed.
  const fewer = await applier.apply(await input([cm('steady-a', {}), steadyB]));
  assert.equal(fewer.applied, 1);
  assert.deepEqual((await kube.get('v1', 'ConfigMap', namespace, 'steady-a'))?.data ?? {}, {});
});

test('applier should refuse to adopt an object someone else created, and apply the rest of the answer', async () => {
  const applier = new Applier({ client: kube.client });
  await kube.create({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'users', namespace, labels: { team: 'a' } },
    data: { precious: 'yes' },
  });
  const result = await applier.apply(await input([cm('users', { taken: 'over' }), cm('mine', { m: '1' })]));
  assert.equal(result.refused.length, 1);
  assert.match(result.refused[0]?.reason ?? '', /users already exists and was not created by the relay/);
  assert.equal(result.applied, 1);
  const users = await kube.get('v1', 'ConfigMap', namespace, 'users');
  assert.deepEqual(users?.data, { precious: 'yes' }, "the user's object is untouched");
  assert.equal(users.metadata.labels?.[OWNER_LABEL], undefined, 'and carries no owner label');
  assert.deepEqual((await kube.get('v1', 'ConfigMap', namespace, 'mine'))?.data, { m: '1' });
});

test('applier should refuse an object its cache had not seen yet when the apiserver has it (a create-only apply, then a read)', async () => {
  const applier = new Applier({ client: kube.client });
  await kube.create({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'just-created', namespace },
    data: { by: 'user' },
  });
  // The cache lags: it does not hold the user's object yet.
  const result = await applier.apply(
    await input([cm('just-created', { by: 'relay' }), cm('beside-it', { by: 'relay' })], { live: new Map() }),
  );
  assert.equal(result.refused.length, 1);
  assert.match(
    result.refused[0]?.reason ?? '',
    /just-created already exists and was not created by the relay/,
  );
  assert.equal(result.applied, 1, 'the rest of the answer is applied');
  const users = await kube.get('v1', 'ConfigMap', namespace, 'just-created');
  assert.deepEqual(users?.data, { by: 'user' });
  const managers = (users.metadata as { managedFields?: { manager: string }[] }).managedFields ?? [];
  assert.deepEqual(
    managers.filter((m) => m.manager.startsWith('zeroloop/')),
    [],
    'no field manager of the relay touched it',
  );
});

test('applier should update its own object that its cache had not seen yet', async () => {
  const applier = new Applier({ client: kube.client });
  await applier.apply(await input([cm('own-late', { v: '1' })]));
  // The cache lags behind the relay's own create: the next answer looks like a create again.
  const result = await applier.apply(await input([cm('own-late', { v: '2' })], { live: new Map() }));
  assert.equal(result.refused.length, 0);
  assert.equal(result.applied, 1);
  assert.deepEqual((await kube.get('v1', 'ConfigMap', namespace, 'own-late'))?.data, { v: '2' });
});

test("applier should refuse a sibling primary's child", async () => {
  const applier = new Applier({ client: kube.client });
  const sibling = await kube.create({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'sibling', namespace },
  });
  const siblingApplier = { ...(await input([cm('siblings-child', { s: '1' }, sibling)])), primary: sibling };
  assert.equal((await applier.apply(siblingApplier)).applied, 1);
  const result = await applier.apply(await input([cm('siblings-child', { s: 'stolen' })]));
  assert.equal(result.refused.length, 1);
  assert.match(result.refused[0]?.reason ?? '', /stamped by zeroloop for owner/);
  const child = await kube.get('v1', 'ConfigMap', namespace, 'siblings-child');
  assert.deepEqual(child?.data, { s: '1' });
  assert.equal(child.metadata.labels?.[OWNER_LABEL], sibling.metadata.uid);
});
