// Unit tests of the delaying queue on fake time: keys appear after their delay, earliest delay wins.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../testing/fake-clock.ts';
import { DelayingQueue } from './delaying.ts';

test('delaying queue should add a key only once its delay has passed', async () => {
  const clock = new FakeClock();
  const q = new DelayingQueue({ clock });
  q.addAfter('a', 1000);
  assert.equal(q.length, 0);
  assert.equal(q.delayed, 1);
  await clock.advance(999);
  assert.equal(q.length, 0);
  await clock.advance(1);
  assert.equal(q.length, 1);
  assert.equal(q.delayed, 0);
  assert.equal(await q.get(), 'a');
});

test('delaying queue should keep the earliest ready time of a key', async () => {
  const clock = new FakeClock();
  const q = new DelayingQueue({ clock });
  q.addAfter('a', 5000);
  q.addAfter('a', 1000);
  q.addAfter('a', 3000);
  assert.equal(q.delayed, 1);
  await clock.advance(1000);
  assert.equal(q.length, 1);
  await q.get();
  q.done('a');
  await clock.advance(10_000);
  assert.equal(q.length, 0, 'the later timers were superseded, not kept');
});

test('delaying queue should add immediately for a zero delay', () => {
  const q = new DelayingQueue({ clock: new FakeClock() });
  q.addAfter('a', 0);
  assert.equal(q.length, 1);
});

test('delaying queue should cancel its timers on shutDown', async () => {
  const clock = new FakeClock();
  const q = new DelayingQueue({ clock });
  q.addAfter('a', 1000);
  q.shutDown();
  assert.equal(clock.pendingTimers, 0);
  await clock.advance(2000);
  assert.equal(q.length, 0);
});

test('delaying queue should call onReady for a delayed key before adding it', async () => {
  const clock = new FakeClock();
  const ready: string[] = [];
  const q = new DelayingQueue({
    clock,
    onReady: (key) => {
      ready.push(`${key}:${q.length}`);
    },
  });
  q.addAfter('a', 10);
  q.add('b');
  assert.deepEqual(ready, [], 'not for immediate adds');
  await clock.advance(10);
  assert.deepEqual(ready, ['a:1'], 'called before the key is queued');
  assert.equal(q.length, 2);
});
