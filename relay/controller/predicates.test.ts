// Unit tests of the trigger predicates: status/resourceVersion-only changes ignored, spec/labels/deletion counted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OWNER_LABEL } from '../apply/ownership.ts';
import type { KObject } from '../kube/object.ts';
import { ownedTriggers, primaryChanged, primaryTriggers } from './predicates.ts';

const site = (patch: Partial<KObject['metadata']> = {}, rest: Record<string, unknown> = {}): KObject => ({
  apiVersion: 'examples.zeroloop.dev/v1alpha1',
  kind: 'Website',
  metadata: { name: 's', namespace: 'n', uid: 'u', generation: 1, resourceVersion: '1', ...patch },
  spec: { replicas: 1 },
  ...rest,
});

test('primary predicate should ignore status-only and resourceVersion-only changes', () => {
  assert.equal(primaryChanged(site(), site({ resourceVersion: '2' }, { status: { ready: true } })), false);
  assert.equal(
    primaryChanged(site(), site({ resourceVersion: '3', managedFields: [{ manager: 'x' }] })),
    false,
  );
});

test('primary predicate should count generation, labels, annotations and deletion', () => {
  assert.equal(primaryChanged(site(), site({ generation: 2 })), true);
  assert.equal(primaryChanged(site(), site({ labels: { a: 'b' } })), true);
  assert.equal(primaryChanged(site(), site({ annotations: { a: 'b' } })), true);
  assert.equal(primaryChanged(site(), site({ deletionTimestamp: '2026-01-01T00:00:00Z' })), true);
  assert.equal(primaryChanged(site(), site({ uid: 'other' })), true);
});

test('primary predicate should compare the whole object minus status when there is no generation', () => {
  const noGen = (rest: Record<string, unknown>, rv: string): KObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c', uid: 'u', resourceVersion: rv },
    ...rest,
  });
  assert.equal(primaryChanged(noGen({ data: { a: '1' } }, '1'), noGen({ data: { a: '1' } }, '2')), false);
  assert.equal(primaryChanged(noGen({ data: { a: '1' } }, '1'), noGen({ data: { a: '2' } }, '2')), true);
});

test('primary deltas should trigger on add and relevant modify, not on delete', () => {
  assert.equal(primaryTriggers({ type: 'added', object: site() }), true);
  assert.equal(
    primaryTriggers({
      type: 'modified',
      old: site(),
      object: site({ resourceVersion: '9' }, { status: {} }),
    }),
    false,
  );
  assert.equal(primaryTriggers({ type: 'deleted', object: site() }), false);
});

test('owned deltas should map to the owners from ownerReference and label, old and new', () => {
  const cm = (uid: string, rv: string): KObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c', namespace: 'n', resourceVersion: rv, labels: { [OWNER_LABEL]: uid } },
  });
  assert.deepEqual(ownedTriggers({ type: 'added', object: cm('u1', '1') }), ['u1']);
  assert.deepEqual(ownedTriggers({ type: 'modified', old: cm('u1', '1'), object: cm('u2', '2') }).sort(), [
    'u1',
    'u2',
  ]);
  assert.deepEqual(
    ownedTriggers({
      type: 'deleted',
      object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } },
    }),
    [],
  );
});
