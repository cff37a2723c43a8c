// A work queue of keys with client-go's invariant: a key is never processed twice at once.
//
// Contract (client-go `util/workqueue`):
// - `add` of a key that is already waiting is a no-op (waiting keys are deduplicated).
// - `get` hands out a key and marks it processing; the caller must call `done(key)` when finished.
// - A key added while it is processing is not handed out again until `done`; then it runs exactly
//   once more, however many times it was added meanwhile (coalescing).
// - Different keys are handed out concurrently, to as many callers as call `get`.
// - After `shutDown`, `add` is ignored and `get` resolves `undefined` once the queue is empty.
// With a `name` and a `metricsProvider` it feeds client-go's `workqueue_*` metrics (queue/metrics.ts).
import type { WorkQueueMetricsProvider } from './metrics.ts';
import { noopMetricsProvider, QueueMetrics } from './metrics.ts';

/** client-go's QueueConfig: the name labels the queue's metrics; without a provider nothing is recorded. */
export interface QueueConfig {
  name?: string;
  metricsProvider?: WorkQueueMetricsProvider;
  /** Milliseconds, for the metrics' durations (the delaying queue passes its clock's). */
  now?: () => number;
}

export class WorkQueue {
  #queue: string[] = [];
  /** Keys that need processing: waiting in `#queue`, or added again while processing. */
  #dirty = new Set<string>();
  #processing = new Set<string>();
  #getters: ((key: string | undefined) => void)[] = [];
  #idle: (() => void)[] = [];
  #shuttingDown = false;
  protected readonly metrics: QueueMetrics;

  constructor(config: QueueConfig = {}) {
    this.metrics = new QueueMetrics(
      config.name ?? '',
      config.metricsProvider ?? noopMetricsProvider,
      config.now ?? (() => performance.now()),
    );
  }

  add(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.metrics.add(key);
    this.#dirty.add(key);
    if (this.#processing.has(key)) return;
    this.#enqueue(key);
  }

  /** Waits for the next key; `undefined` means the queue is shut down and empty. */
  get(): Promise<string | undefined> {
    const key = this.#queue.shift();
    if (key !== undefined) return Promise.resolve(this.#take(key));
    if (this.#shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#getters.push(resolve));
  }

  /** Marks `key` finished; if it was added meanwhile it goes back to the queue. */
  done(key: string): void {
    this.metrics.done(key);
    this.#processing.delete(key);
    if (this.#dirty.has(key)) this.#enqueue(key);
    if (this.#processing.size === 0) for (const wake of this.#idle.splice(0)) wake();
  }

  /** Keys waiting (not counting those processing). */
  get length(): number {
    return this.#queue.length;
  }

  get processing(): number {
    return this.#processing.size;
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Stops accepting keys and releases blocked getters; keys already waiting are dropped. */
  shutDown(): void {
    this.#shuttingDown = true;
    this.#queue = [];
    this.#dirty = new Set([...this.#dirty].filter((k) => this.#processing.has(k)));
    for (const resolve of this.#getters.splice(0)) resolve(undefined);
    this.metrics.close();
  }

  /** Resolves once no key is processing. */
  drained(): Promise<void> {
    if (this.#processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #enqueue(key: string): void {
    if (this.#shuttingDown) {
      this.#dirty.delete(key);
      return;
    }
    const getter = this.#getters.shift();
    if (getter) getter(this.#take(key));
    else this.#queue.push(key);
  }

  #take(key: string): string {
    this.metrics.get(key);
    this.#dirty.delete(key);
    this.#processing.add(key);
    return key;
  }
}
