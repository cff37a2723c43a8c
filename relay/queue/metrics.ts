// Work queue metrics as client-go's `util/workqueue` keeps them: a provider makes the metrics, the queue feeds them.
//
// client-go's MetricsProvider makes one metric of each kind per queue name; `noopMetricsProvider` is the
// default, so a queue built without one records nothing. One difference: client-go refreshes the
// unfinished-work and longest-running gauges from a goroutine every 500 ms; here the provider reads
// them when it is scraped (`read`), so an idle relay keeps no timer for them.

/** A monotonic counter of one queue. */
export interface CounterMetric {
  inc(): void;
}

/** A gauge of one queue that moves up and down. */
export interface GaugeMetric {
  inc(): void;
  dec(by?: number): void;
}

/** A histogram of one queue, in seconds. */
export interface HistogramMetric {
  observe(seconds: number): void;
}

/** Makes the metrics of a queue named `name` (client-go's `workqueue.MetricsProvider`). */
export interface WorkQueueMetricsProvider {
  /** `workqueue_depth`: keys waiting. */
  newDepthMetric(name: string): GaugeMetric;
  /** `workqueue_adds_total`: keys added (not counting adds of a key already waiting). */
  newAddsMetric(name: string): CounterMetric;
  /** `workqueue_queue_duration_seconds`: from add to get. */
  newLatencyMetric(name: string): HistogramMetric;
  /** `workqueue_work_duration_seconds`: from get to done. */
  newWorkDurationMetric(name: string): HistogramMetric;
  /** `workqueue_retries_total`: rate-limited re-adds. */
  newRetriesMetric(name: string): CounterMetric;
  /** `workqueue_unfinished_work_seconds`: seconds of work in progress not yet observed as work duration. */
  newUnfinishedWorkSecondsMetric(name: string, read: () => number): void;
  /** `workqueue_longest_running_processor_seconds`: how long the oldest key in progress has run. */
  newLongestRunningProcessorSecondsMetric(name: string, read: () => number): void;
  /** Drops every series of the queue `name` (its queue shut down). */
  deleteMetrics(name: string): void;
}

const NOOP = { inc: () => undefined, dec: () => undefined, observe: () => undefined };

/** Records nothing: the default of a queue built without a provider. */
export const noopMetricsProvider: WorkQueueMetricsProvider = {
  newDepthMetric: () => NOOP,
  newAddsMetric: () => NOOP,
  newLatencyMetric: () => NOOP,
  newWorkDurationMetric: () => NOOP,
  newRetriesMetric: () => NOOP,
  newUnfinishedWorkSecondsMetric: () => undefined,
  newLongestRunningProcessorSecondsMetric: () => undefined,
  deleteMetrics: () => undefined,
};

/** The bookkeeping behind one queue's metrics (client-go's `defaultQueueMetrics`); times from `now` in ms. */
export class QueueMetrics {
  readonly #name: string;
  readonly #provider: WorkQueueMetricsProvider;
  readonly #now: () => number;
  readonly #depth: GaugeMetric;
  readonly #adds: CounterMetric;
  readonly #latency: HistogramMetric;
  readonly #workDuration: HistogramMetric;
  readonly #retries: CounterMetric;
  /** When each waiting key was added. */
  #addTimes = new Map<string, number>();
  /** When each key in progress was handed out. */
  #processingStartTimes = new Map<string, number>();
  #closed = false;

  constructor(name: string, provider: WorkQueueMetricsProvider, now: () => number) {
    this.#name = name;
    this.#provider = provider;
    this.#now = now;
    this.#depth = provider.newDepthMetric(name);
    this.#adds = provider.newAddsMetric(name);
    this.#latency = provider.newLatencyMetric(name);
    this.#workDuration = provider.newWorkDurationMetric(name);
    this.#retries = provider.newRetriesMetric(name);
    provider.newUnfinishedWorkSecondsMetric(name, () => this.unfinishedWorkSeconds());
    provider.newLongestRunningProcessorSecondsMetric(name, () => this.longestRunningProcessorSeconds());
  }

  add(key: string): void {
    if (this.#closed) return;
    this.#adds.inc();
    this.#depth.inc();
    if (!this.#addTimes.has(key)) this.#addTimes.set(key, this.#now());
  }

  get(key: string): void {
    if (this.#closed) return;
    this.#depth.dec();
    const now = this.#now();
    this.#processingStartTimes.set(key, now);
    const added = this.#addTimes.get(key);
    if (added !== undefined) {
      this.#latency.observe((now - added) / 1000);
      this.#addTimes.delete(key);
    }
  }

  done(key: string): void {
    if (this.#closed) return;
    const started = this.#processingStartTimes.get(key);
    if (started === undefined) return;
    this.#workDuration.observe((this.#now() - started) / 1000);
    this.#processingStartTimes.delete(key);
  }

  retry(): void {
    if (!this.#closed) this.#retries.inc();
  }

  unfinishedWorkSeconds(): number {
    const now = this.#now();
    let total = 0;
    for (const started of this.#processingStartTimes.values()) total += now - started;
    return total / 1000;
  }

  longestRunningProcessorSeconds(): number {
    const now = this.#now();
    let longest = 0;
    for (const started of this.#processingStartTimes.values()) longest = Math.max(longest, now - started);
    return longest / 1000;
  }

  /** The queue shut down: its series go, and nothing is recorded any more. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#addTimes.clear();
    this.#processingStartTimes.clear();
    this.#provider.deleteMetrics(this.#name);
  }
}
