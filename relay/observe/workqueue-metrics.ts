// client-go's workqueue_* metrics (depth, adds, queue and work duration, retries, unfinished and longest-running work) for the relay's queues.
import { Counter, Gauge, Histogram, type Registry } from './prometheus.ts';

/** client-go's workqueue duration buckets: 1 µs to 10 s, ×10 (`prometheus.ExponentialBuckets(10e-9, 10, 10)`). */
export const WORKQUEUE_BUCKETS = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10];

/**
 * What a work queue's metrics provider offers (queue/metrics.ts' WorkQueueMetricsProvider, which this
 * satisfies structurally: observe/ sits below queue/ and imports nothing from it).
 */
export interface WorkqueueProvider {
  newDepthMetric(name: string): { inc(): void; dec(by?: number): void };
  newAddsMetric(name: string): { inc(): void };
  newLatencyMetric(name: string): { observe(seconds: number): void };
  newWorkDurationMetric(name: string): { observe(seconds: number): void };
  newRetriesMetric(name: string): { inc(): void };
  newUnfinishedWorkSecondsMetric(name: string, read: () => number): void;
  newLongestRunningProcessorSecondsMetric(name: string, read: () => number): void;
  deleteMetrics(name: string): void;
}

/**
 * client-go's workqueue metrics (`k8s.io/component-base/metrics/prometheus/workqueue`), label `name` =
 * the queue's name (a Reconciler's name for its controller's queue).
 */
export function workqueueMetrics(r: Registry): WorkqueueProvider {
  const depth = r.register(new Gauge('workqueue_depth', 'Current depth of workqueue', ['name']));
  const adds = r.register(
    new Counter('workqueue_adds_total', 'Total number of adds handled by workqueue', ['name']),
  );
  const latency = r.register(
    new Histogram(
      'workqueue_queue_duration_seconds',
      'How long in seconds an item stays in workqueue before being requested.',
      ['name'],
      WORKQUEUE_BUCKETS,
    ),
  );
  const work = r.register(
    new Histogram(
      'workqueue_work_duration_seconds',
      'How long in seconds processing an item from workqueue takes.',
      ['name'],
      WORKQUEUE_BUCKETS,
    ),
  );
  const retries = r.register(
    new Counter('workqueue_retries_total', 'Total number of retries handled by workqueue', ['name']),
  );
  const unfinishedReaders = new Map<string, () => number>();
  const longestReaders = new Map<string, () => number>();
  const readAll = (readers: Map<string, () => number>) => (g: Gauge) => {
    for (const [name, read] of readers) g.set({ name }, read());
  };
  const unfinished = r.register(
    new Gauge(
      'workqueue_unfinished_work_seconds',
      "How many seconds of work has done that is in progress and hasn't been observed by work_duration. Large values indicate stuck threads. One can deduce the number of stuck threads by observing the rate at which this increases.",
      ['name'],
      readAll(unfinishedReaders),
    ),
  );
  const longest = r.register(
    new Gauge(
      'workqueue_longest_running_processor_seconds',
      'How many seconds has the longest running processor for workqueue been running.',
      ['name'],
      readAll(longestReaders),
    ),
  );
  return {
    // client-go's provider creates each series when the queue is made (WithLabelValues): 0, not absent.
    newDepthMetric: (name) => {
      depth.set({ name }, 0);
      return {
        inc: () => {
          depth.inc({ name });
        },
        dec: (by = 1) => {
          depth.dec({ name }, by);
        },
      };
    },
    newAddsMetric: (name) => {
      adds.inc({ name }, 0);
      return {
        inc: () => {
          adds.inc({ name });
        },
      };
    },
    newLatencyMetric: (name) => {
      latency.metric.zero({ name });
      return {
        observe: (seconds) => {
          latency.observe({ name }, seconds);
        },
      };
    },
    newWorkDurationMetric: (name) => {
      work.metric.zero({ name });
      return {
        observe: (seconds) => {
          work.observe({ name }, seconds);
        },
      };
    },
    newRetriesMetric: (name) => {
      retries.inc({ name }, 0);
      return {
        inc: () => {
          retries.inc({ name });
        },
      };
    },
    newUnfinishedWorkSecondsMetric: (name, read) => {
      unfinishedReaders.set(name, read);
    },
    newLongestRunningProcessorSecondsMetric: (name, read) => {
      longestReaders.set(name, read);
    },
    deleteMetrics: (name) => {
      unfinishedReaders.delete(name);
      longestReaders.delete(name);
      for (const m of [depth, adds, latency, work, retries, unfinished, longest]) m.metric.remove({ name });
    },
  };
}
