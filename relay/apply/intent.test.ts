// Unit tests of the intent hash and the "would an apply change anything" check.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../kube/object.ts';
import { canonical, holds, intentHash, unchanged, withIntent } from './intent.ts';
import { INTENT_ANNOTATION } from './ownership.ts';

const desired: KObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'ns', labels: { app: 'web' } },
  spec: { replicas: 2, template: { spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
};

test('intentHash should not depend on key order, and change with any field', () => {
  const reordered: KObject = {
    spec: { template: { spec: { containers: [{ image: 'nginx', name: 'c' }] } }, replicas: 2 },
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    metadata: { labels: { app: 'web' }, namespace: 'ns', name: 'web' },
  };
  assert.equal(intentHash(desired), intentHash(reordered));
  assert.notEqual(intentHash(desired), intentHash({ ...desired, spec: { replicas: 3 } }));
  assert.equal(intentHash(withIntent(desired)), intentHash(desired), 'its own annotation is excluded');
});

test('intentHash should stay what earlier relays stored on live objects (a new value would rewrite every object once)', () => {
  // Computed by the relay before canonical() was rewritten without intermediate arrays.
  assert.equal(intentHash(desired), 'B8guGgAeFCi-WUwbXAsJhg');
});

test('canonical should be JSON.stringify with sorted keys, undefined fields left out', () => {
  const values: unknown[] = [
    desired,
    { b: 1, a: [3, { z: null, y: 'é', x: undefined }], Ä: true, A: -0.5, '\u2028': '"q"' },
    [[], {}, [null, 'a'], { k: [] }],
    'plain',
    42,
    null,
  ];
  const sortKeys = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sortKeys)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
          )
        : v;
  for (const v of values) assert.equal(canonical(v), JSON.stringify(sortKeys(v)));
});

test('holds should accept server defaults and extra fields, and refuse any changed or missing value', () => {
  const live = {
    ...desired,
    metadata: { ...desired.metadata, uid: 'u', resourceVersion: '5' },
    spec: {
      replicas: 2,
      strategy: { type: 'RollingUpdate' },
      template: { spec: { containers: [{ name: 'c', image: 'nginx', imagePullPolicy: 'Always' }] } },
    },
    status: { replicas: 0 },
  };
  assert.equal(holds(desired, live), true);
  assert.equal(holds(desired, { ...live, spec: { ...live.spec, replicas: 1 } }), false);
  assert.equal(holds({ a: [1, 2] }, { a: [1, 2, 3] }), false, 'lists compare by length too');
  assert.equal(holds({ a: { b: 1 } }, { a: null }), false);
  assert.equal(holds({ a: '1' }, { a: 1 }), false);
});

test('unchanged should need both the same intent annotation and the values still in place', () => {
  const applied = withIntent(desired);
  const live: KObject = { ...applied, metadata: { ...applied.metadata, resourceVersion: '9' } };
  assert.equal(unchanged(applied, live), true);
  assert.equal(unchanged(applied, undefined), false, 'absent: a create');
  const stale: KObject = {
    ...live,
    metadata: { ...live.metadata, annotations: { [INTENT_ANNOTATION]: 'older' } },
  };
  assert.equal(unchanged(applied, stale), false, 'a field dropped since: the apply removes it');
  assert.equal(unchanged(applied, { ...live, spec: { replicas: 5 } }), false, 'a drift is taken back');
});
