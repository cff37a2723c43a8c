// Unit tests of wake resolution: names (bare or namespace/name) and label selectors with expressions, over cached primaries.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HookWake } from '../api/hooks.ts';
import type { KObject } from '../kube/object.ts';
import { Store } from '../watch/store.ts';
import { primariesToWake } from './wake.ts';

const site = (namespace: string, name: string, labels: Record<string, string> = {}): KObject => ({
  apiVersion: 'examples.zeroloop.dev/v1alpha1',
  kind: 'Website',
  metadata: { name, namespace, labels },
});

const store = new Store();
store.replace([
  site('shop', 'site-a', { repo: 'shop', tier: 'web' }),
  site('shop', 'site-b', { repo: 'shop' }),
  site('blog', 'site-a', { repo: 'blog', tier: 'web' }),
  site('blog', 'site-c', {}),
]);
const primaries = {
  primaryKeys: () => store.keys(),
  primariesByLabels: (labels: Readonly<Record<string, string>>) => store.byLabels(labels),
};

test('wake should match a bare name in every namespace and namespace/name exactly', () => {
  assert.deepEqual(primariesToWake(HookWake.parse({ names: ['site-a'] }), primaries), [
    'blog/site-a',
    'shop/site-a',
  ]);
  assert.deepEqual(primariesToWake(HookWake.parse({ names: ['shop/site-a', 'site-c'] }), primaries), [
    'blog/site-c',
    'shop/site-a',
  ]);
  assert.deepEqual(primariesToWake(HookWake.parse({ names: ['missing'] }), primaries), []);
});

test('wake should match a label selector with matchLabels and matchExpressions', () => {
  const wake = (selector: unknown) => primariesToWake(HookWake.parse({ selector }), primaries);
  assert.deepEqual(wake({ matchLabels: { repo: 'shop' } }), ['shop/site-a', 'shop/site-b']);
  assert.deepEqual(wake({ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }), [
    'blog/site-a',
    'shop/site-a',
  ]);
  assert.deepEqual(
    wake({
      matchLabels: { tier: 'web' },
      matchExpressions: [{ key: 'repo', operator: 'NotIn', values: ['blog'] }],
    }),
    ['shop/site-a'],
  );
  assert.deepEqual(wake({ matchExpressions: [{ key: 'repo', operator: 'In', values: ['blog', 'x'] }] }), [
    'blog/site-a',
  ]);
  assert.deepEqual(wake({ matchExpressions: [{ key: 'repo', operator: 'DoesNotExist' }] }), ['blog/site-c']);
});

test('wake should refuse a spec with both or neither of names and selector', () => {
  assert.equal(HookWake.safeParse({}).success, false);
  assert.equal(HookWake.safeParse({ names: ['a'], selector: {} }).success, false);
  assert.equal(HookWake.safeParse({ names: [] }).success, false);
});
