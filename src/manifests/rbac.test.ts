// Unit tests of the RBAC generator: rules from a descriptor, merging, scope (Role per namespace or ClusterRole).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Descriptor } from '../protocol/schemas.ts';
import { DEFAULT_RELAY, guessResource, reconcilerRbac, rulesFor } from './rbac.ts';

const descriptor: Descriptor = {
  name: 'shop',
  version: '1.0.0',
  primary: { apiVersion: 'shop.example/v1', kind: 'Policy' },
  owns: [
    { apiVersion: 'v1', kind: 'ConfigMap' },
    { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' },
  ],
  reads: [
    { apiVersion: 'v1', kind: 'Pod' },
    { apiVersion: 'v1', kind: 'ConfigMap' },
  ],
  finalizer: false,
};

test('guessResource pluralizes kinds as client-go guesses them', () => {
  assert.deepEqual(['Deployment', 'Ingress', 'Policy', 'Gateway', 'Box', 'Match'].map(guessResource), [
    'deployments',
    'ingresses',
    'policies',
    'gateways',
    'boxes',
    'matches',
  ]);
});

test('rulesFor grants read on the primary, status and finalizers, full write on owns, read on reads, merged by group and verbs', () => {
  assert.deepEqual(rulesFor(descriptor), [
    { apiGroups: ['shop.example'], resources: ['policies'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: ['shop.example'], resources: ['policies/status'], verbs: ['patch'] },
    { apiGroups: ['shop.example'], resources: ['policies/finalizers'], verbs: ['update'] },
    // ConfigMap is both owned and read: the owned verbs, once.
    {
      apiGroups: [''],
      resources: ['configmaps'],
      verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'],
    },
    {
      apiGroups: ['networking.k8s.io'],
      resources: ['ingresses'],
      verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'],
    },
    { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
  ]);
});

test('rulesFor lets a finalizer-holding reconciler patch its primary, and nothing more', () => {
  const [primary] = rulesFor({ ...descriptor, finalizer: true });
  assert.deepEqual(primary?.verbs, ['get', 'list', 'watch', 'patch']);
});

test('reconcilerRbac scoped to namespaces gives a Role and RoleBinding in each, bound to the relay', () => {
  const objects = reconcilerRbac(descriptor, { name: 'shop', namespaces: ['a', 'b'], relay: DEFAULT_RELAY });
  assert.deepEqual(
    objects.map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`),
    [
      'Role a/zeroloop-reconciler-shop',
      'RoleBinding a/zeroloop-reconciler-shop',
      'Role b/zeroloop-reconciler-shop',
      'RoleBinding b/zeroloop-reconciler-shop',
    ],
  );
  assert.deepEqual(objects[1]?.subjects, [
    { kind: 'ServiceAccount', name: 'zeroloop-relay', namespace: 'zeroloop-system' },
  ]);
  assert.deepEqual(objects[1].roleRef, {
    apiGroup: 'rbac.authorization.k8s.io',
    kind: 'Role',
    name: 'zeroloop-reconciler-shop',
  });
});

test('reconcilerRbac over all namespaces gives a ClusterRole and ClusterRoleBinding', () => {
  const objects = reconcilerRbac(descriptor, {
    name: 'shop',
    namespaces: [],
    relay: { namespace: 'ops', serviceAccount: 'relay' },
  });
  assert.deepEqual(
    objects.map((o) => o.kind),
    ['ClusterRole', 'ClusterRoleBinding'],
  );
  assert.equal(objects[0]?.metadata.namespace, undefined);
  assert.deepEqual(objects[1]?.subjects, [{ kind: 'ServiceAccount', name: 'relay', namespace: 'ops' }]);
});
