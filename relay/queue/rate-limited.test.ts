// Unit tests of per-key exponential backoff, forget on success, and Retry-After, on fake time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../testing/fake-clock.ts';
import { ExponentialBackoff, RateLimitingQueue } from './rate-limited.ts';

test('backoff should double per failure up to the cap, per key', () => {
  const b = new ExponentialBackoff({ baseDelayMs: 100, maxDelayMs: 1000 });
  assert.deepEqual(
    [b.when('a'), b.when('a'), b.when('a'), b.when('a'), b.when('a')],
    [100, 200, 400, 800, 1000],
  );
  assert.equal(b.when('b'), 100, 'other keys have their own history');
  b.forget('a');
  assert.equal(b.when('a'), 100, 'forget resets the history');
});

test('rate-limited queue should re-add a failed key after its backoff', async () => {
  const clock = new FakeClock();
  const q = new RateLimitingQueue({ clock, backoff: { baseDelayMs: 100, maxDelayMs: 10_000 } });
  assert.equal(q.addRateLimited('a'), 100);
  await clock.advance(99);
  assert.equal(q.length, 0);
  await clock.advance(1);
  assert.equal(await q.get(), 'a');
  q.done('a');
  assert.equal(q.addRateLimited('a'), 200);
  assert.equal(q.numRequeues('a'), 2);
  q.forget('a');
  assert.equal(q.numRequeues('a'), 0);
});

test('rate-limited queue should honour a Retry-After longer than the backoff', async () => {
  const clock = new FakeClock();
  const q = new RateLimitingQueue({ clock, backoff: { baseDelayMs: 100 } });
  assert.equal(q.addRateLimited('a', 3000), 3000);
  await clock.advance(2999);
  assert.equal(q.length, 0);
  await clock.advance(1);
  assert.equal(q.length, 1);
});

test('rate-limited queue should keep the backoff when Retry-After is shorter', () => {
  const q = new RateLimitingQueue({ clock: new FakeClock(), backoff: { baseDelayMs: 500 } });
  assert.equal(q.addRateLimited('a', 10), 500);
});

test('rate-limited queue should still run a new event at once while a key waits for backoff', async () => {
  const clock = new FakeClock();
  const q = new RateLimitingQueue({ clock, backoff: { baseDelayMs: 60_000 } });
  q.addRateLimited('a');
  q.add('a');
  assert.equal(await q.get(), 'a');
});
