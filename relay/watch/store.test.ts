// Unit tests of the Store/Indexer: keys, indexes, and the re-list diff that emits only real changes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../kube/object.ts';
import { Store } from './store.ts';

function cm(name: string, rv: string, extra: Partial<KObject['metadata']> = {}): KObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'ns', resourceVersion: rv, ...extra },
  };
}

test('store should key objects by namespace/name', () => {
  const s = new Store();
  s.upsert(cm('a', '1'));
  s.upsert({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'cluster-wide', resourceVersion: '1' } });
  assert.deepEqual(s.keys().sort(), ['cluster-wide', 'ns/a']);
  assert.equal(s.get('ns/a')?.metadata.resourceVersion, '1');
});

test('store should report added, modified and deleted deltas, and nothing for an unchanged resourceVersion', () => {
  const s = new Store();
  assert.equal(s.upsert(cm('a', '1'))?.type, 'added');
  assert.equal(s.upsert(cm('a', '1')), undefined);
  assert.deepEqual(s.upsert(cm('a', '2')), { type: 'modified', object: cm('a', '2'), old: cm('a', '1') });
  assert.equal(s.delete('ns/a')?.type, 'deleted');
  assert.equal(s.delete('ns/a'), undefined);
});

test('store replace should diff a re-list: only new, changed and disappeared objects', () => {
  const s = new Store();
  s.replace([cm('same', '1'), cm('changed', '1'), cm('gone', '1')]);
  const deltas = s.replace([cm('same', '1'), cm('changed', '5'), cm('new', '6')]);
  const summary = deltas.map((d) => `${d.type}:${d.object.metadata.name}`).sort();
  assert.deepEqual(summary, ['added:new', 'deleted:gone', 'modified:changed']);
  assert.deepEqual(s.keys().sort(), ['ns/changed', 'ns/new', 'ns/same']);
});

test('store indexes should follow upserts and deletes', () => {
  const s = new Store();
  s.addIndex('owner', (o) => (o.metadata.ownerReferences ?? []).map((r) => r.uid));
  const owned = (uid: string) => [{ apiVersion: 'x/v1', kind: 'W', name: 'w', uid, controller: true }];
  s.upsert(cm('a', '1', { ownerReferences: owned('u1') }));
  s.upsert(cm('b', '1', { ownerReferences: owned('u1') }));
  s.upsert(cm('c', '1', { ownerReferences: owned('u2') }));
  assert.deepEqual(
    s
      .byIndex('owner', 'u1')
      .map((o) => o.metadata.name)
      .sort(),
    ['a', 'b'],
  );
  s.upsert(cm('b', '2', { ownerReferences: owned('u2') }));
  assert.deepEqual(
    s.byIndex('owner', 'u1').map((o) => o.metadata.name),
    ['a'],
  );
  s.delete('ns/a');
  assert.deepEqual(s.byIndex('owner', 'u1'), []);
  assert.deepEqual(
    s
      .byIndex('owner', 'u2')
      .map((o) => o.metadata.name)
      .sort(),
    ['b', 'c'],
  );
});

test('store addIndex should file objects already present', () => {
  const s = new Store();
  s.upsert(cm('a', '1', { labels: { app: 'x' } }));
  s.addIndex('app', (o) => (o.metadata.labels?.app ? [o.metadata.labels.app] : []));
  assert.equal(s.byIndex('app', 'x').length, 1);
});

test('store byLabels should find objects carrying every label pair, following label changes and deletes', () => {
  const s = new Store();
  s.upsert(cm('a', '1', { labels: { app: 'db', tier: 'x' } }));
  s.upsert(cm('b', '1', { labels: { app: 'db' } }));
  s.upsert(cm('c', '1', { labels: { app: 'web', tier: 'x' } }));
  const names = (objs: KObject[]) => objs.map((o) => o.metadata.name).sort();
  assert.deepEqual(names(s.byLabels({ app: 'db' })), ['a', 'b']);
  assert.deepEqual(names(s.byLabels({ app: 'db', tier: 'x' })), ['a']);
  assert.deepEqual(names(s.byLabels({ app: 'nope' })), []);
  assert.deepEqual(names(s.byLabels({})), ['a', 'b', 'c'], 'an empty selector matches everything');
  s.upsert(cm('b', '2', { labels: { app: 'web' } }));
  s.delete('ns/a');
  s.upsert(cm('d', '1', { labels: { app: 'db' } }));
  assert.deepEqual(names(s.byLabels({ app: 'db' })), ['d']);
  assert.deepEqual(names(s.byLabels({ app: 'web' })), ['b', 'c']);
});

test('store byLabels should keep to the namespace when one is given', () => {
  const s = new Store();
  s.upsert(cm('a', '1', { labels: { app: 'db' } }));
  s.upsert({
    ...cm('a', '1', { labels: { app: 'db' } }),
    metadata: { name: 'a', namespace: 'other', resourceVersion: '1', labels: { app: 'db' } },
  });
  assert.deepEqual(
    s.byLabels({ app: 'db' }, 'other').map((o) => o.metadata.namespace),
    ['other'],
  );
  assert.equal(s.byLabels({}, 'ns').length, 1);
  assert.equal(s.byLabels({ app: 'db' }).length, 2);
});

test('store should hold each object once: byLabels, byIndex and get return the same instance', () => {
  const s = new Store();
  s.addIndex('app', (o) => (o.metadata.labels?.app ? [o.metadata.labels.app] : []));
  const obj = cm('a', '1', { labels: { app: 'db' } });
  s.upsert(obj);
  assert.equal(s.get('ns/a'), obj);
  assert.equal(s.byIndex('app', 'db')[0], obj);
  assert.equal(s.byLabels({ app: 'db' })[0], obj);
});

test('store reshape should swap an object of the same resourceVersion in place, with no delta, and refuse any other', () => {
  const s = new Store();
  s.addIndex('app', (o) => (o.metadata.labels?.app ? [o.metadata.labels.app] : []));
  const whole = { ...cm('a', '1', { labels: { app: 'db' } }), data: { big: 'x'.repeat(100) } };
  s.upsert(whole);
  const slim = { apiVersion: whole.apiVersion, kind: whole.kind, metadata: whole.metadata };
  assert.equal(s.reshape(slim), true);
  assert.equal(s.get('ns/a'), slim);
  assert.equal(s.byIndex('app', 'db')[0], slim, 'indexes find the new shape');
  assert.equal(s.byLabels({ app: 'db' })[0], slim);
  assert.equal(s.reshape(cm('a', '2')), false, 'another version comes with its watch event');
  assert.equal(s.reshape(cm('b', '1')), false, 'nothing cached under the key');
  assert.equal(s.get('ns/a'), slim);
  assert.equal(s.size, 1);
});
