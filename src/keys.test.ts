// Unit tests of object keys, references and kind identities.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatRef, groupOf, keyOf, kindId, objectKey, refOf, splitKey } from './keys.ts';

describe('keys', () => {
  test('objectKey should be namespace/name, or the name alone for cluster-scoped objects', () => {
    assert.equal(objectKey('ns1', 'web'), 'ns1/web');
    assert.equal(objectKey(undefined, 'node-1'), 'node-1');
    assert.equal(objectKey('', 'node-1'), 'node-1');
  });

  test('splitKey should invert objectKey, splitting at the first slash only', () => {
    assert.deepEqual(splitKey('ns1/web'), { namespace: 'ns1', name: 'web' });
    assert.deepEqual(splitKey('node-1'), { name: 'node-1' });
    assert.deepEqual(splitKey(objectKey('a', 'b/c')), { namespace: 'a', name: 'b/c' });
  });

  test('keyOf and refOf should read identity from an object', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: 'ns1' } };
    assert.equal(keyOf(cm), 'ns1/web');
    assert.deepEqual(refOf(cm), { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns1', name: 'web' });
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns1' } };
    assert.equal(keyOf(ns), 'ns1');
    assert.deepEqual(refOf(ns), { apiVersion: 'v1', kind: 'Namespace', name: 'ns1' });
    assert.equal('namespace' in refOf(ns), false);
  });

  test('kindId should join apiVersion and kind', () => {
    assert.equal(kindId({ apiVersion: 'apps/v1', kind: 'Deployment' }), 'apps/v1/Deployment');
    assert.equal(kindId({ apiVersion: 'v1', kind: 'Pod' }), 'v1/Pod');
  });

  test('formatRef should name the kind and the key', () => {
    assert.equal(
      formatRef({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'ns1', name: 'web' }),
      'Deployment ns1/web',
    );
    assert.equal(formatRef({ apiVersion: 'v1', kind: 'Namespace', name: 'ns1' }), 'Namespace ns1');
  });

  test('groupOf should give the API group, empty for the core group', () => {
    assert.equal(groupOf('v1'), '');
    assert.equal(groupOf('apps/v1'), 'apps');
    assert.equal(groupOf('examples.zeroloop.dev/v1alpha1'), 'examples.zeroloop.dev');
  });
});
