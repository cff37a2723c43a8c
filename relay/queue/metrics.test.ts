// Unit tests of the work queue's metrics bookkeeping (client-go's semantics), with a provider that records calls.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../testing/fake-clock.ts';
import type { WorkQueueMetricsProvider } from './metrics.ts';
import { RateLimitingQueue } from './rate-limited.ts';
import { WorkQueue } from './workqueue.ts';

/** A provider that keeps what it is told, per queue name: the interface's own test double. */
function recordingProvider() {
  const seen = {
    depth: 0,
    adds: 0,
    retries: 0,
    latency: [] as number[],
    work: [] as number[],
    unfinished: (): number => NaN,
    longest: (): number => NaN,
    deleted: [] as string[],
    names: new Set<string>(),
  };
  const provider: WorkQueueMetricsProvider = {
    newDepthMetric: (name) => {
      seen.names.add(name);
      return {
        inc: () => {
          seen.depth++;
        },
        dec: (by = 1) => {
          seen.depth -= by;
        },
      };
    },
    newAddsMetric: () => ({
      inc: () => {
        seen.adds++;
      },
    }),
    newLatencyMetric: () => ({ observe: (s) => void seen.latency.push(s) }),
    newWorkDurationMetric: () => ({ observe: (s) => void seen.work.push(s) }),
    newRetriesMetric: () => ({
      inc: () => {
        seen.retries++;
      },
    }),
    newUnfinishedWorkSecondsMetric: (_name, read) => {
      seen.unfinished = read;
    },
    newLongestRunningProcessorSecondsMetric: (_name, read) => {
      seen.longest = read;
    },
    deleteMetrics: (name) => {
      seen.deleted.push(name);
    },
  };
  return { seen, provider };
}

test('queue metrics should count a key added while processing once in depth and time it from its first add', async () => {
  const clock = new FakeClock();
  const { seen, provider } = recordingProvider();
  const q = new RateLimitingQueue({ clock, name: 'website', metricsProvider: provider });
  assert.deepEqual([...seen.names], ['website']);
  q.add('a');
  q.add('a'); // waiting: deduplicated, not an add
  assert.deepEqual([seen.adds, seen.depth], [1, 1]);
  await clock.advance(1000);
  await q.get();
  assert.deepEqual([seen.depth, seen.latency], [0, [1]]);
  q.add('a'); // while processing: dirty, counted in depth
  await clock.advance(500);
  q.add('a');
  assert.deepEqual([seen.adds, seen.depth], [2, 1]);
  await clock.advance(1500);
  assert.equal(seen.unfinished(), 2);
  assert.equal(seen.longest(), 2);
  q.done('a');
  assert.deepEqual(seen.work, [2]);
  assert.equal(seen.unfinished(), 0);
  await q.get();
  assert.deepEqual(seen.latency, [1, 2]);
});

test('queue metrics should count rate-limited re-adds as retries, not delayed waits as queue time', async () => {
  const clock = new FakeClock();
  const { seen, provider } = recordingProvider();
  const q = new RateLimitingQueue({
    clock,
    name: 'w',
    metricsProvider: provider,
    backoff: { baseDelayMs: 100 },
  });
  q.addRateLimited('a');
  q.addRateLimited('a');
  assert.deepEqual([seen.retries, seen.adds], [2, 0]);
  await clock.advance(100);
  assert.equal(seen.adds, 1);
  await q.get();
  assert.deepEqual(seen.latency, [0]);
});

test('queue metrics should drop the series on shut down and record nothing after', async () => {
  const { seen, provider } = recordingProvider();
  const q = new WorkQueue({ name: 'w', metricsProvider: provider, now: () => 0 });
  q.add('a');
  const key = await q.get();
  q.shutDown();
  assert.deepEqual(seen.deleted, ['w']);
  q.done(key ?? '');
  q.add('b');
  assert.deepEqual([seen.adds, seen.work], [1, []]);
});

test('a queue without a provider should record nothing and work as before', async () => {
  const q = new WorkQueue();
  q.add('a');
  assert.equal(await q.get(), 'a');
  q.done('a');
  assert.equal(q.length, 0);
});
