// Unit tests of the Event recorder: repeats aggregated into a count, a token bucket per object, bounded tables.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../kube/object.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { EventRecorder } from './events.ts';

function fakeClient() {
  const calls: { method: string; path: string; body: unknown }[] = [];
  return {
    calls,
    request: (method: string, path: string, options: { body?: unknown } = {}) => {
      calls.push({ method, path, body: options.body });
      return Promise.resolve(undefined);
    },
  };
}

const primary = (uid: string): KObject => ({
  apiVersion: 'x/v1',
  kind: 'W',
  metadata: { name: `w-${uid}`, namespace: 'ns', uid },
});
const warning = (message: string) => ({ type: 'Warning' as const, reason: 'Failed', message });

test('event recorder should patch the count of a repeated event instead of creating another', async () => {
  const client = fakeClient();
  const recorder = new EventRecorder({ client, clock: new FakeClock() });
  assert.equal(await recorder.record(primary('a'), warning('boom')), 'created');
  assert.equal(await recorder.record(primary('a'), warning('boom')), 'aggregated');
  assert.equal(await recorder.record(primary('a'), warning('other')), 'created');
  assert.deepEqual(
    client.calls.map((c) => c.method),
    ['POST', 'PATCH', 'POST'],
  );
  assert.equal((client.calls[1]?.body as { count: number }).count, 2);
});

test('event recorder should rate-limit each object with a token bucket, and refill it over time', async () => {
  const client = fakeClient();
  const clock = new FakeClock();
  const recorder = new EventRecorder({ client, clock, burst: 3, refillMs: 1000 });
  const results = [];
  for (let i = 0; i < 5; i++) results.push(await recorder.record(primary('a'), warning(`m${i}`)));
  assert.deepEqual(results, ['created', 'created', 'created', 'rate-limited', 'rate-limited']);
  assert.equal(
    await recorder.record(primary('b'), warning('m')),
    'created',
    'another object has its own bucket',
  );
  await clock.advance(1000);
  assert.equal(await recorder.record(primary('a'), warning('m9')), 'created');
  assert.equal(client.calls.length, 5);
});

test('event recorder should keep its tables bounded', async () => {
  const client = fakeClient();
  const recorder = new EventRecorder({ client, clock: new FakeClock(), maxEntries: 2 });
  await recorder.record(primary('a'), warning('x'));
  await recorder.record(primary('b'), warning('x'));
  await recorder.record(primary('c'), warning('x'));
  assert.equal(await recorder.record(primary('a'), warning('x')), 'created', 'the oldest entry was dropped');
});
