// Per-key exponential backoff on failure, reset by `forget` on success, with a server's Retry-After honoured.
import type { Clock } from '../clock.ts';
import { DelayingQueue } from './delaying.ts';
import type { QueueConfig } from './workqueue.ts';

export interface BackoffOptions {
  /** Delay after the first failure. */
  baseDelayMs?: number;
  /** Upper bound of the delay. */
  maxDelayMs?: number;
}

/** client-go's ItemExponentialFailureRateLimiter: delay = base · 2^(failures-1), capped. */
export class ExponentialBackoff {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  #failures = new Map<string, number>();

  constructor(options: BackoffOptions = {}) {
    this.baseDelayMs = options.baseDelayMs ?? 200;
    this.maxDelayMs = options.maxDelayMs ?? 5 * 60_000;
  }

  /** Records one more failure of `key` and returns how long to wait before retrying it. */
  when(key: string): number {
    const failures = (this.#failures.get(key) ?? 0) + 1;
    this.#failures.set(key, failures);
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(failures - 1, 52));
  }

  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  forget(key: string): void {
    this.#failures.delete(key);
  }
}

export class RateLimitingQueue extends DelayingQueue {
  readonly backoff: ExponentialBackoff;

  constructor(
    options: Omit<QueueConfig, 'now'> & {
      clock?: Clock;
      backoff?: BackoffOptions;
      onReady?: (key: string) => void;
    } = {},
  ) {
    super({
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.onReady ? { onReady: options.onReady } : {}),
      ...(options.name !== undefined ? { name: options.name } : {}),
      ...(options.metricsProvider ? { metricsProvider: options.metricsProvider } : {}),
    });
    this.backoff = new ExponentialBackoff(options.backoff);
  }

  /**
   * Re-adds a failed key after its backoff, or after `retryAfterMs` if the server asked for
   * longer. Returns the delay chosen.
   */
  addRateLimited(key: string, retryAfterMs?: number): number {
    const delay = Math.max(this.backoff.when(key), retryAfterMs ?? 0);
    this.metrics.retry();
    this.addAfter(key, delay);
    return delay;
  }

  /** Clears the failure history of `key` (call after a success). */
  forget(key: string): void {
    this.backoff.forget(key);
  }

  numRequeues(key: string): number {
    return this.backoff.failures(key);
  }
}
