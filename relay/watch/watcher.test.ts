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

/** Lists once, then each watch stays open until aborted; the test pushes events into the open watch. */
class SilentListerWatcher implements ListerWatcher {
  listCalls = 0;
  watchFrom: string[] = [];
  abortReasons: unknown[] = [];
  push: ((e: WatchEvent) => void) | undefined;
  list() {
    this.listCalls++;
    return Promise.resolve({ items: [cm('a', '1')], resourceVersion: '10' });
  }
  async watch(rv: string, signal: AbortSignal, onEvent: (e: WatchEvent) => void): Promise<WatchEnd> {
    this.watchFrom.push(rv);
    this.push = onEvent;
    await untilAborted(signal);
    this.abortReasons.push(signal.reason);
    return 'closed';
  }
}

function startSilent(clock: FakeClock, stallMs?: number) {
  const lw = new SilentListerWatcher();
  const stalls: number[] = [];
  const restarts: string[] = [];
  const controller = new AbortController();
  const watcher = new Watcher({
    listerWatcher: lw,
    store: new Store(),
    clock,
    onDelta: () => undefined,
    onStall: (silentMs) => stalls.push(silentMs),
    onRestart: (r) => restarts.push(r),
    ...(stallMs !== undefined ? { stallMs } : {}),
  });
  const done = watcher.run(controller.signal);
  return { lw, stalls, restarts, watcher, stop: () => (controller.abort(), done) };
}

test('watcher should abort a silent watch after the stall bound and resume from its resourceVersion, without re-listing', async () => {
  const clock = new FakeClock();
  const w = startSilent(clock);
  await flush();
  await clock.advance(89_999);
  assert.deepEqual(w.stalls, [], 'silent for less than the default 90 s bound');
  await clock.advance(1);
  assert.deepEqual(w.stalls, [90_000]);
  assert.deepEqual(w.restarts, ['stalled']);
  assert.deepEqual(w.lw.watchFrom, ['10', '10']);
  assert.equal(w.lw.listCalls, 1, 'a stall resumes, it does not re-list');
  const reason = w.lw.abortReasons[0];
  assert.ok(
    reason instanceof DOMException && reason.name === 'TimeoutError',
    'the client renews its connection on a TimeoutError',
  );
  assert.equal(w.watcher.state.phase, 'watching');
  await w.stop();
});

test('watcher should count bookmarks and events as activity that postpones a stall', async () => {
  const clock = new FakeClock();
  const w = startSilent(clock, 30_000);
  await flush();
  await clock.advance(20_000);
  w.lw.push?.({ type: 'BOOKMARK', resourceVersion: '15' });
  await clock.advance(20_000);
  w.lw.push?.({ type: 'ADDED', object: cm('b', '16') });
  await clock.advance(29_999);
  assert.deepEqual(w.stalls, [], 'each delivery restarts the bound');
  await clock.advance(1);
  assert.deepEqual(w.stalls, [30_000]);
  assert.deepEqual(w.lw.watchFrom, ['10', '16'], 'resumed from the last event seen');
  await clock.advance(30_000);
  assert.deepEqual(w.stalls, [30_000, 30_000], 'a resumed watch that stays silent stalls again');
  assert.deepEqual(w.lw.watchFrom, ['10', '16', '16']);
  assert.equal(w.lw.listCalls, 1);
  await w.stop();
  assert.equal(clock.pendingTimers, 0, 'stopping leaves no stall timer behind');
});
