// Delays and deduplicates keys: `addAfter` puts a key on the work queue once its delay has passed.
import type { Clock, Timer } from '../clock.ts';
import { realClock } from '../clock.ts';
import type { QueueConfig } from './workqueue.ts';
import { WorkQueue } from './workqueue.ts';

/**
 * A WorkQueue with `addAfter`. A key waiting for a delay is kept once, at its earliest ready
 * time (a later `addAfter` of the same key does not postpone it), as client-go does.
 */
export class DelayingQueue extends WorkQueue {
  readonly clock: Clock;
  #waiting = new Map<string, { readyAt: number; timer: Timer }>();
  #onReady: ((key: string) => void) | undefined;

  /** `onReady` is called when a delayed key's time has come, just before it is added. */
  constructor(options: Omit<QueueConfig, 'now'> & { clock?: Clock; onReady?: (key: string) => void } = {}) {
    const clock = options.clock ?? realClock;
    super({
      ...(options.name !== undefined ? { name: options.name } : {}),
      ...(options.metricsProvider ? { metricsProvider: options.metricsProvider } : {}),
      now: () => clock.now(),
    });
    this.clock = clock;
    this.#onReady = options.onReady;
  }

  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const readyAt = this.clock.now() + delayMs;
    const existing = this.#waiting.get(key);
    if (existing && existing.readyAt <= readyAt) return;
    existing?.timer.cancel();
    const timer = this.clock.setTimer(() => {
      this.#waiting.delete(key);
      this.#onReady?.(key);
      this.add(key);
    }, delayMs);
    this.#waiting.set(key, { readyAt, timer });
  }

  /** Keys waiting for their delay to pass. */
  get delayed(): number {
    return this.#waiting.size;
  }

  override shutDown(): void {
    for (const { timer } of this.#waiting.values()) timer.cancel();
    this.#waiting.clear();
    super.shutDown();
  }
}
