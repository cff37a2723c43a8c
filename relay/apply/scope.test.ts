// Unit tests of the scope guard: whole responses accepted with namespaces defaulted, or rejected listing every violation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../src/protocol/schemas.ts';
import type { KObject } from '../kube/object.ts';
import type { ScopeInput } from './scope.ts';
import { checkScope, ScopeRejected } from './scope.ts';

const primary: KObject = {
  apiVersion: 'examples.zeroloop.dev/v1alpha1',
  kind: 'Website',
  metadata: { name: 'site', namespace: 'team-a', uid: 'u1' },
};
const owns = [
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole' },
];
const namespaced = new Map([
  ['apps/v1/Deployment', true],
  ['v1/ConfigMap', true],
  ['rbac.authorization.k8s.io/v1/ClusterRole', false],
]);
const obj = (apiVersion: string, kind: string, name: string, namespace?: string): KubeObject => ({
  apiVersion,
  kind,
  metadata: namespace === undefined ? { name } : { name, namespace },
});
const input = (desired: KubeObject[], p: KObject = primary): ScopeInput => ({
  key: 'team-a/site',
  primary: p,
  desired,
  owns,
  namespaced,
  namespaces: [],
});

function rejected(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ScopeRejected);
    assert.equal(error.key, 'team-a/site');
    return error.violations;
  }
  assert.fail('expected ScopeRejected');
}

test('scope guard should accept owned kinds and default their namespace to the primary', () => {
  const placed = checkScope(
    input([obj('apps/v1', 'Deployment', 'web'), obj('v1', 'ConfigMap', 'cfg', 'team-a')]),
  );
  assert.deepEqual(
    placed.map((p) => p.namespace),
    ['team-a', 'team-a'],
  );
});

test('scope guard should reject the whole response when one kind is not in owns', () => {
  const v = rejected(() =>
    checkScope(input([obj('apps/v1', 'Deployment', 'web'), obj('v1', 'Secret', 'stolen')])),
  );
  assert.deepEqual(v, ['Secret stolen: kind v1/Secret is not in owns']);
});

test('scope guard should reject another namespace and a cluster-scoped kind for a namespaced primary', () => {
  const v = rejected(() =>
    checkScope(
      input([
        obj('v1', 'ConfigMap', 'cfg', 'kube-system'),
        obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'admin'),
      ]),
    ),
  );
  assert.equal(v.length, 2);
  assert.match(v[0] ?? '', /namespace kube-system is not the primary's namespace team-a/);
  assert.match(v[1] ?? '', /cluster-scoped kind .* is outside namespace team-a/);
});

test('scope guard should reject duplicates', () => {
  const v = rejected(() =>
    checkScope(input([obj('v1', 'ConfigMap', 'cfg'), obj('v1', 'ConfigMap', 'cfg', 'team-a')])),
  );
  assert.match(v[0] ?? '', /appears twice/);
});

test('scope guard should require explicit namespaces for children of a cluster-scoped primary', () => {
  const clusterPrimary: KObject = { ...primary, metadata: { name: 'site', uid: 'u1' } };
  const ok = checkScope({ ...input([obj('v1', 'ConfigMap', 'cfg', 'x')], clusterPrimary), key: 'site' });
  assert.equal(ok[0]?.namespace, 'x');
  assert.throws(
    () => checkScope({ ...input([obj('v1', 'ConfigMap', 'cfg')], clusterPrimary), key: 'site' }),
    ScopeRejected,
  );
  assert.throws(
    () =>
      checkScope({
        ...input([obj('v1', 'ConfigMap', 'cfg', 'x')], clusterPrimary),
        key: 'site',
        namespaces: ['y'],
      }),
    /not in the Reconciler's namespaces/,
  );
});
