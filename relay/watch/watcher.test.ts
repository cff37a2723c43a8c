// Unit tests of the watcher's state machine with a scripted ListerWatcher on fake time (no cluster).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../kube/object.ts';
import { FakeClock, flush, untilAborted } from '../testing/fake-clock.ts';
import type { Delta } from './store.ts';
import { Store } from './store.ts';
import type { ListerWatcher, WatchEnd, WatchEvent } from './watcher.ts';
import { Watcher } from './watcher.ts';

function cm(name: string, rv: string): KObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns', resourceVersion: rv } };
}

type ListStep = { items: KObject[]; resourceVersion: string } | Error;
interface WatchStep {
  events: WatchEvent[];
  end: WatchEnd | Error;
  durationMs?: number;
}

/** Replays lists and watches in order; a watch with no script left blocks until aborted. */
class ScriptedListerWatcher implements ListerWatcher {
  lists: ListStep[];
  watches: WatchStep[];
  listCalls = 0;
  watchFrom: string[] = [];
  clock: FakeClock;
  constructor(clock: FakeClock, lists: ListStep[], watches: WatchStep[]) {
    this.clock = clock;
    this.lists = lists;
    this.watches = watches;
  }
  list() {
    this.listCalls++;
    const step = this.lists.shift();
    if (!step) return Promise.reject(new Error('no more lists scripted'));
    return step instanceof Error ? Promise.reject(step) : Promise.resolve(step);
  }
  async watch(rv: string, signal: AbortSignal, onEvent: (e: WatchEvent) => void): Promise<WatchEnd> {
    this.watchFrom.push(rv);
    const step = this.watches.shift();
    if (!step) {
      await untilAborted(signal);
      return 'closed';
    }
    for (const e of step.events) onEvent(e);
    await new Promise<void>((resolve) => {
      this.clock.setTimer(resolve, step.durationMs ?? 60_000);
      void untilAborted(signal).then(resolve);
    });
    if (step.end instanceof Error) throw step.end;
    return step.end;
  }
}

function start(lw: ListerWatcher, clock: FakeClock) {
  const store = new Store();
  const deltas: string[] = [];
  const restarts: string[] = [];
  const listed: boolean[] = [];
  const controller = new AbortController();
  const watcher = new Watcher({
    listerWatcher: lw,
    store,
    clock,
    onDelta: (d: Delta) => {
      deltas.push(`${d.type}:${d.object.metadata.name}`);
    },
    onRestart: (r) => {
      restarts.push(r);
    },
    onListed: (relist) => {
      listed.push(relist);
    },
    backoff: { baseDelayMs: 1000, maxDelayMs: 8000 },
  });
  const done = watcher.run(controller.signal);
  return { store, deltas, restarts, listed, watcher, stop: () => (controller.abort(), done) };
}

test('watcher should list, then apply watch events to the store', async () => {
  const clock = new FakeClock();
  const lw = new ScriptedListerWatcher(
    clock,
    [{ items: [cm('a', '1')], resourceVersion: '10' }],
    [
      {
        events: [
          { type: 'ADDED', object: cm('b', '11') },
          { type: 'DELETED', object: cm('a', '12') },
        ],
        end: 'closed',
      },
    ],
  );
  const w = start(lw, clock);
  await flush();
  assert.deepEqual(w.deltas, ['added:a', 'added:b', 'deleted:a']);
  assert.deepEqual(w.listed, [false]);
  assert.deepEqual(lw.watchFrom, ['10']);
  await w.stop();
  assert.equal(w.watcher.state.phase, 'stopped');
});

test('watcher should resume from the last bookmark after a normal close, without re-listing', async () => {
  const clock = new FakeClock();
  const lw = new ScriptedListerWatcher(
    clock,
    [{ items: [], resourceVersion: '10' }],
    [{ events: [{ type: 'BOOKMARK', resourceVersion: '42' }], end: 'closed' }],
  );
  const w = start(lw, clock);
  await flush();
  await clock.advance(60_000);
  assert.deepEqual(lw.watchFrom, ['10', '42']);
  assert.equal(lw.listCalls, 1);
  assert.deepEqual(w.restarts, ['closed']);
  await w.stop();
});

test('watcher should re-list after 410 Gone and emit only what changed or disappeared', async () => {
  const clock = new FakeClock();
  const lw = new ScriptedListerWatcher(
    clock,
    [
      { items: [cm('same', '1'), cm('changed', '1'), cm('gone', '1')], resourceVersion: '10' },
      { items: [cm('same', '1'), cm('changed', '7'), cm('new', '8')], resourceVersion: '20' },
    ],
    [{ events: [], end: 'gone' }],
  );
  const w = start(lw, clock);
  await flush();
  w.deltas.length = 0;
  await clock.advance(60_000);
  assert.deepEqual(w.deltas.sort(), ['added:new', 'deleted:gone', 'modified:changed']);
  assert.deepEqual(w.listed, [false, true]);
  assert.deepEqual(w.restarts, ['gone']);
  assert.deepEqual(lw.watchFrom, ['10', '20']);
  await w.stop();
});

test('watcher should back off exponentially on errors, then re-list and diff', async () => {
  const clock = new FakeClock();
  const lw = new ScriptedListerWatcher(
    clock,
    [
      { items: [cm('a', '1')], resourceVersion: '10' },
      new Error('connection refused'),
      new Error('connection refused'),
      { items: [cm('a', '1')], resourceVersion: '30' },
    ],
    [{ events: [], end: new Error('stream reset') }],
  );
  const w = start(lw, clock);
  await flush();
  await clock.advance(60_000); // watch fails → backoff 1 s
  assert.equal(w.watcher.state.phase, 'backoff');
  await clock.advance(1000); // list fails → backoff 2 s
  assert.equal(lw.listCalls, 2);
  await clock.advance(1999);
  assert.equal(lw.listCalls, 2, 'the second backoff is twice the first');
  await clock.advance(1); // list fails → 4 s
  assert.equal(lw.listCalls, 3);
  await clock.advance(4000); // list succeeds
  assert.equal(lw.listCalls, 4);
  assert.equal(w.watcher.state.phase, 'watching');
  assert.deepEqual(w.deltas, ['added:a'], 'an unchanged object is not emitted again after the re-list');
  await w.stop();
});

test('watcher should treat a watch that closes at once as a failure and back off', async () => {
  const clock = new FakeClock();
  const lw = new ScriptedListerWatcher(
    clock,
    [
      { items: [], resourceVersion: '10' },
      { items: [], resourceVersion: '11' },
    ],
    [{ events: [], end: 'closed', durationMs: 0 }],
  );
  const w = start(lw, clock);
  await flush();
  await clock.advance(0);
  assert.equal(w.watcher.state.phase, 'backoff');
  await clock.advance(1000);
  assert.equal(lw.listCalls, 2);
  await w.stop();
});
