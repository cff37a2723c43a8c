// Unit tests of related selectors: matching, resolution against `reads` and namespaces, watch reference counts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../kube/object.ts';
import type { ResolvedSelector } from './related.ts';
import { matches, needId, RelatedSelectors, resolveSelectors, selectorsKey } from './related.ts';

const pod = (name: string, labels: Record<string, string>, namespace = 'ns'): KObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, labels },
});
const primary: KObject = {
  apiVersion: 'x/v1',
  kind: 'Database',
  metadata: { name: 'db', namespace: 'ns', uid: 'u' },
};
const podsOf = (instance: string, namespace: string | undefined = 'ns'): ResolvedSelector => ({
  apiVersion: 'v1',
  kind: 'Pod',
  namespace,
  name: undefined,
  matchLabels: { instance },
});

test('selectors should match by kind, namespace, name and every label', () => {
  assert.equal(matches(podsOf('db'), pod('p', { instance: 'db', extra: 'x' })), true);
  assert.equal(matches(podsOf('db'), pod('p', { instance: 'other' })), false);
  assert.equal(matches(podsOf('db'), pod('p', { instance: 'db' }, 'elsewhere')), false);
  assert.equal(matches({ ...podsOf('db'), name: 'p1' }, pod('p2', { instance: 'db' })), false);
  assert.equal(matches({ ...podsOf('db'), matchLabels: {} }, pod('any', {})), true);
});

test('resolving should default the namespace and refuse kinds outside reads or namespaces outside scope', () => {
  const { resolved, refused } = resolveSelectors({
    primary,
    reads: [{ apiVersion: 'v1', kind: 'Pod' }],
    namespaced: new Map([['v1/Pod', true]]),
    namespaces: ['ns'],
    selectors: [
      { apiVersion: 'v1', kind: 'Pod', matchLabels: { instance: 'db' } },
      { apiVersion: 'v1', kind: 'Secret', matchLabels: {} },
      { apiVersion: 'v1', kind: 'Pod', namespace: 'kube-system', matchLabels: {} },
    ],
  });
  assert.deepEqual(resolved, [podsOf('db')]);
  assert.deepEqual(refused, [
    "v1/Secret: not in the Reconciler's reads",
    "v1/Pod: namespace kube-system is not in the Reconciler's namespaces",
  ]);
});

test('related selectors should count watches across primaries and report when one is no longer needed', () => {
  const r = new RelatedSelectors();
  assert.deepEqual(r.set('ns/a', [podsOf('a')]).added.map(needId), ['v1/Pod@ns']);
  assert.deepEqual(r.set('ns/b', [podsOf('b')]).added, [], 'the watch already exists');
  assert.deepEqual(r.primariesMatching(pod('p', { instance: 'b' })), ['ns/b']);
  assert.deepEqual(r.primariesMatching(pod('p', { instance: 'zzz' })), []);
  assert.deepEqual(r.delete('ns/a').removed, [], 'b still needs it');
  const moved = r.set('ns/b', [podsOf('b', 'other')]);
  assert.deepEqual(moved.added.map(needId), ['v1/Pod@other']);
  assert.deepEqual(moved.removed.map(needId), ['v1/Pod@ns']);
  assert.deepEqual(
    r.primariesMatching(pod('p', { instance: 'b' })),
    [],
    'the old selector stopped feeding b',
  );
  assert.deepEqual(r.delete('ns/b').removed.map(needId), ['v1/Pod@other']);
  assert.deepEqual(r.needs(), []);
});

test('selectorsKey should ignore order, and tell different selectors apart', () => {
  const a = podsOf('a');
  const b = { ...podsOf('b'), matchLabels: { x: '1', instance: 'b' } };
  const bReordered = { ...podsOf('b'), matchLabels: { instance: 'b', x: '1' } };
  assert.equal(selectorsKey([a, b]), selectorsKey([bReordered, a]));
  assert.notEqual(selectorsKey([a]), selectorsKey([a, b]));
  assert.notEqual(selectorsKey([]), selectorsKey([a]));
});
