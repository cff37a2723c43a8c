// Unit tests of ownership stamping: controller ownerReference, owner labels, namespace, server fields removed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../kube/object.ts';
import { hasOwner, isStampedBy, OWNER_LABEL, ownerUids, RECONCILER_LABEL, stamp } from './ownership.ts';

const primary: KObject = {
  apiVersion: 'examples.zeroloop.dev/v1alpha1',
  kind: 'Website',
  metadata: { name: 'site', namespace: 'team-a', uid: 'uid-1' },
};

test("stamp should set the controller ownerReference, owner labels and namespace, and strip the answer's ownership", () => {
  const { object: out, stripped } = stamp(
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'cfg',
        labels: { app: 'site', [OWNER_LABEL]: 'forged', 'zeroloop.dev/other': 'x' },
        annotations: { note: 'kept', 'zeroloop.dev/intent': 'forged' },
        resourceVersion: '12',
        managedFields: [],
        ownerReferences: [
          { apiVersion: 'x/v1', kind: 'Other', name: 'o', uid: 'evil', controller: true },
          { apiVersion: 'x/v1', kind: 'Keep', name: 'k', uid: 'keep' },
        ],
      },
      data: { a: '1' },
    },
    primary,
    'website',
    'team-a',
  );
  assert.deepEqual(out.metadata.labels, {
    app: 'site',
    [OWNER_LABEL]: 'uid-1',
    [RECONCILER_LABEL]: 'website',
  });
  assert.equal(out.metadata.namespace, 'team-a');
  assert.deepEqual(out.metadata.annotations, { note: 'kept' });
  assert.deepEqual(stripped, [
    'ownerReference Other/o',
    'ownerReference Keep/k',
    `label ${OWNER_LABEL}`,
    'label zeroloop.dev/other',
    'annotation zeroloop.dev/intent',
  ]);
  assert.deepEqual(out.metadata.ownerReferences, [
    {
      apiVersion: 'examples.zeroloop.dev/v1alpha1',
      kind: 'Website',
      name: 'site',
      uid: 'uid-1',
      controller: true,
      blockOwnerDeletion: true,
    },
  ]);
  assert.equal(out.metadata.resourceVersion, undefined);
  assert.equal('managedFields' in out.metadata, false);
  assert.deepEqual(out.data, { a: '1' });
  assert.deepEqual(ownerUids(out), ['uid-1']);
  assert.equal(isStampedBy(out, 'uid-1', 'website'), true);
  assert.equal(isStampedBy(out, 'uid-1', 'another'), false, 'another Reconciler of the same primary');
  assert.equal(isStampedBy(out, 'uid-2', 'website'), false, 'another primary');
});

test('ownerUids should find owners by controller reference or by label', () => {
  const byRef: KObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'a',
      ownerReferences: [{ apiVersion: 'x', kind: 'W', name: 'w', uid: 'u9', controller: true }],
    },
  };
  const byLabel: KObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'b', labels: { [OWNER_LABEL]: 'u8' } },
  };
  const notController: KObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c', ownerReferences: [{ apiVersion: 'x', kind: 'W', name: 'w', uid: 'u7' }] },
  };
  assert.deepEqual(ownerUids(byRef), ['u9']);
  assert.deepEqual(ownerUids(byLabel), ['u8']);
  assert.deepEqual(ownerUids(notController), []);
  for (const obj of [byRef, byLabel, notController])
    assert.equal(
      hasOwner(obj),
      ownerUids(obj).length > 0,
      `hasOwner agrees with ownerUids on ${obj.metadata.name}`,
    );
  assert.equal(isStampedBy(byRef, 'u9', 'website'), false, 'only stamped objects are prunable');
  assert.equal(isStampedBy(byLabel, 'u8', 'website'), false, 'both owner labels are needed');
});

test('stamp should refuse a primary without uid', () => {
  assert.throws(
    () =>
      stamp(
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } },
        { ...primary, metadata: { name: 'p' } },
        'w',
        'ns',
      ),
    /no uid/,
  );
});
