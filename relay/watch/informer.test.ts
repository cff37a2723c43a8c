// Unit tests of the shared informer: one watch per scope for many users, ref-counted release.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../kube/object.ts';
import { flush, untilAborted } from '../testing/fake-clock.ts';
import { InformerFactory } from './informer.ts';
import type { ListerWatcher, WatchEnd, WatchEvent } from './watcher.ts';

/** Lists the given objects once, then holds the watch open and lets the test push events. */
class ManualListerWatcher implements ListerWatcher {
  items: KObject[];
  listCalls = 0;
  activeWatches = 0;
  push: ((e: WatchEvent) => void) | undefined;
  constructor(items: KObject[]) {
    this.items = items;
  }
  list() {
    this.listCalls++;
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
