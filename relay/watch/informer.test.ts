// Unit tests of the shared informer: one watch per scope for many users, ref-counted release.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasOwner } from '../apply/ownership.ts';
import type { KObject } from '../kube/object.ts';
import { FakeClock, flush, untilAborted } from '../testing/fake-clock.ts';
import { InformerFactory } from './informer.ts';
import type { ListerWatcher, WatchEnd, WatchEvent } from './watcher.ts';

/** Lists the given objects once, then holds the watch open and lets the test push events. */
class ManualListerWatcher implements ListerWatcher {
  items: KObject[];
  listCalls = 0;
  /** Lists that fail before one succeeds again. */
  failingLists = 0;
  activeWatches = 0;
  push: ((e: WatchEvent) => void) | undefined;
  constructor(items: KObject[]) {
    this.items = items;
  }
  list() {
    this.listCalls++;
    if (this.failingLists > 0) {
      this.failingLists--;
      return Promise.reject(new Error('list refused'));
    }
    return Promise.resolve({ items: this.items, resourceVersion: '1' });
  }
  async watch(_rv: string, signal: AbortSignal, onEvent: (e: WatchEvent) => void): Promise<WatchEnd> {
    this.activeWatches++;
    this.push = onEvent;
    await untilAborted(signal);
    this.activeWatches--;
    return 'closed';
  }
}

const cm = (name: string, rv: string): KObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns', resourceVersion: rv },
});

test('informer factory should open one watch per kind however many users acquire it', async () => {
  const created: ManualListerWatcher[] = [];
  const factory = new InformerFactory({
    listerWatcherFor: () => {
      const lw = new ManualListerWatcher([cm('a', '1')]);
      created.push(lw);
      return lw;
    },
  });
  const scope = { apiVersion: 'v1', kind: 'ConfigMap' };
  const one = factory.acquire(scope);
  const two = factory.acquire(scope);
  assert.equal(one, two);
  await one.waitForSync();
  await flush();
  assert.equal(created.length, 1);
  const lw = created[0];
  assert.ok(lw);
  assert.equal(lw.activeWatches, 1);
  assert.equal(one.store.size, 1);

  const seenByOne: string[] = [];
  const seenByTwo: string[] = [];
  one.subscribe((d) => seenByOne.push(`${d.type}:${d.object.metadata.name}`));
  two.subscribe((d) => seenByTwo.push(`${d.type}:${d.object.metadata.name}`));
  lw.push?.({ type: 'ADDED', object: cm('b', '2') });
  assert.deepEqual(seenByOne, ['added:b']);
  assert.deepEqual(seenByTwo, ['added:b']);

  await factory.release(scope);
  assert.equal(lw.activeWatches, 1, 'still one user left');
  await factory.release(scope);
  await flush();
  assert.equal(lw.activeWatches, 0, 'the last release stops the watch');
  assert.equal(factory.active().size, 0);
});

test('informer factory should keep separate watches per namespace scope', async () => {
  let count = 0;
  const factory = new InformerFactory({
    listerWatcherFor: () => {
      count++;
      return new ManualListerWatcher([]);
    },
  });
  factory.acquire({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'a' });
  factory.acquire({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'b' });
  factory.acquire({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'a' });
  assert.equal(count, 2);
  assert.deepEqual([...factory.active()].sort(), [
    ['v1/ConfigMap@a', 2],
    ['v1/ConfigMap@b', 1],
  ]);
  await factory.stopAll();
});

const owned = (name: string, rv: string): KObject => ({
  ...cm(name, rv),
  metadata: {
    ...cm(name, rv).metadata,
    ownerReferences: [
      { apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', uid: 'u1', controller: true },
    ],
  },
  data: { body: name },
});
const unowned = (name: string, rv: string): KObject => ({ ...cm(name, rv), data: { body: name } });
const bodyOf = (informer: { store: { get(key: string): KObject | undefined } }, name: string) =>
  informer.store.get(`ns/${name}`)?.data;
/** The ConfigMaps of namespace `ns`: the scope of the metadata-only tests. */
const nsConfigMaps = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns' };

/** A factory with the relay's owner rule, and its informer of `nsConfigMaps` acquired by a metadata user, listed. */
async function metadataInformer(
  lw: ManualListerWatcher,
  options: Omit<ConstructorParameters<typeof InformerFactory>[0], 'listerWatcherFor'> = {},
) {
  const factory = new InformerFactory({ listerWatcherFor: () => lw, isOwned: hasOwner, ...options });
  const informer = factory.acquire(nsConfigMaps, { unowned: 'metadata' });
  await informer.waitForSync();
  await flush();
  return { factory, informer };
}

test('informer should cache unowned objects as metadata only while every user asks for metadata', async () => {
  const lw = new ManualListerWatcher([owned('mine', '1'), unowned('theirs', '1')]);
  const { factory, informer } = await metadataInformer(lw);
  assert.deepEqual(bodyOf(informer, 'mine'), { body: 'mine' }, 'an owned object is cached whole');
  assert.equal(bodyOf(informer, 'theirs'), undefined, 'an unowned one as metadata only');
  assert.equal(informer.store.get('ns/theirs')?.metadata.resourceVersion, '1');

  const deltas: string[] = [];
  informer.subscribe((d) =>
    deltas.push(`${d.type}:${d.object.metadata.name}:${String(d.object.data !== undefined)}`),
  );
  lw.push?.({ type: 'ADDED', object: unowned('later', '2') });
  lw.push?.({ type: 'MODIFIED', object: owned('theirs', '3') });
  assert.deepEqual(
    deltas,
    ['added:later:false', 'modified:theirs:true'],
    'an object that gains an owner is cached whole',
  );
  await factory.stopAll();
});

test('informer should put unowned bodies back when a user needs them whole, and drop them when it leaves', async () => {
  const lw = new ManualListerWatcher([unowned('theirs', '1'), unowned('moved', '1')]);
  const { factory, informer } = await metadataInformer(lw);
  // The list will say `moved` is at version 2, the cache holds 1: its body comes with the watch event.
  lw.items = [unowned('theirs', '1'), unowned('moved', '2')];

  const reader = factory.acquire(nsConfigMaps);
  assert.equal(reader, informer, 'one informer for both users');
  assert.equal(informer.hasSynced, false, 'not synced while the bodies are refilled');
  await informer.waitForSync();
  assert.equal(informer.hasSynced, true);
  assert.equal(lw.listCalls, 2, 'one more list');
  assert.equal(lw.activeWatches, 1, 'the watch goes on');
  assert.deepEqual(bodyOf(informer, 'theirs'), { body: 'theirs' });
  assert.equal(bodyOf(informer, 'moved'), undefined, 'a newer listed version is not swapped in');
  lw.push?.({ type: 'MODIFIED', object: unowned('moved', '2') });
  assert.deepEqual(bodyOf(informer, 'moved'), { body: 'moved' }, 'its event brings it whole');
  lw.push?.({ type: 'ADDED', object: unowned('new', '3') });
  assert.deepEqual(bodyOf(informer, 'new'), { body: 'new' });

  await factory.release(nsConfigMaps);
  assert.equal(bodyOf(informer, 'theirs'), undefined, 'bodies dropped after the last whole user');
  assert.equal(bodyOf(informer, 'new'), undefined);
  assert.equal(informer.store.size, 3);
  await factory.stopAll();
});

test('informer should retry a failed refill with backoff, and count as unsynced until it succeeds', async () => {
  const clock = new FakeClock();
  const lw = new ManualListerWatcher([unowned('theirs', '1')]);
  const errors: string[] = [];
  const { factory, informer } = await metadataInformer(lw, {
    clock,
    hooks: { onError: (_scope, error) => errors.push(String(error)) },
  });
  lw.failingLists = 1;
  factory.acquire(nsConfigMaps);
  await flush();
  assert.deepEqual(errors, ['Error: list refused']);
  assert.equal(informer.hasSynced, false);
  assert.equal(bodyOf(informer, 'theirs'), undefined);
  await clock.advance(1000);
  assert.equal(informer.hasSynced, true);
  assert.deepEqual(bodyOf(informer, 'theirs'), { body: 'theirs' });
  await factory.stopAll();
});

test('informer should cache everything whole for users that ask nothing', async () => {
  const lw = new ManualListerWatcher([unowned('theirs', '1')]);
  const factory = new InformerFactory({ listerWatcherFor: () => lw, isOwned: hasOwner });
  const informer = factory.acquire(nsConfigMaps);
  factory.acquire(nsConfigMaps, { unowned: 'metadata' });
  await informer.waitForSync();
  await flush();
  assert.deepEqual(bodyOf(informer, 'theirs'), { body: 'theirs' });
  assert.equal(lw.listCalls, 1, 'no refill: nothing was dropped');
  await factory.stopAll();
});

test('informer should strip nothing without an owner rule, whatever its users ask', async () => {
  const lw = new ManualListerWatcher([unowned('theirs', '1')]);
  const factory = new InformerFactory({ listerWatcherFor: () => lw });
  const informer = factory.acquire(nsConfigMaps, { unowned: 'metadata' });
  await informer.waitForSync();
  await flush();
  assert.deepEqual(bodyOf(informer, 'theirs'), { body: 'theirs' });
  await factory.stopAll();
});
