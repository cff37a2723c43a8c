// The work queue as a controller drives it: a key goes in with its trigger (later while its primary flaps), comes out with its trigger and wait, and is settled by an outcome's queue operations.
import type { Trigger } from '../../src/protocol/schemas.ts';
import type { RateLimitingQueue } from '../queue/rate-limited.ts';
import { FlapDetector } from './flapping.ts';
import { type Dependency, type Outcome, queueOps } from './outcome.ts';
import { PendingKeys } from './pending.ts';

export class ControllerKeys {
  readonly flaps = new FlapDetector();
  #queue: RateLimitingQueue;
  #pending = new PendingKeys();
  #park: (gate: Dependency, key: string) => void;

  /** `park` holds a key on an outage gate, which adds it back once its dependency answers. */
  constructor(queue: RateLimitingQueue, park: (gate: Dependency, key: string) => void) {
    this.#queue = queue;
    this.#park = park;
  }

  /** Queues `key` for `trigger` now, or after the flap detector's delay. */
  enqueue(key: string, trigger: Trigger): void {
    this.#pending.note(key, trigger, performance.now());
    if (this.flaps.isFlapping(key)) this.#queue.addAfter(key, this.flaps.slowed(key));
    else this.#queue.add(key);
  }

  /** A delayed key became ready: it keeps the trigger of the failure it retries; a requeue-after has none. */
  ready(key: string): void {
    this.#pending.note(key, { type: 'requeue' }, performance.now());
  }

  /** Queues `key` for `trigger` unless one is pending, at once (a new build of the reconciler). */
  add(key: string, trigger: Trigger): void {
    this.#pending.note(key, trigger);
    this.#queue.add(key);
  }

  /** A worker took `key`: its trigger, and when it became ready. */
  take(key: string): ReturnType<PendingKeys['take']> {
    return this.#pending.take(key);
  }

  /** Keeps `trigger` for the key's next run (a retry, a release from an outage gate). */
  keep(key: string, trigger: Trigger): void {
    this.#pending.note(key, trigger);
  }

  /** Carries out the queue operations of `outcome`; returns the retry's backoff, if it is one. */
  settle(key: string, outcome: Outcome): number | undefined {
    const slowed = (ms: number) => (this.flaps.isFlapping(key) ? this.flaps.slowed(key, ms) : ms);
    let retryInMs: number | undefined;
    for (const op of queueOps(outcome, slowed))
      if (op.op === 'forget') this.#queue.forget(key);
      else if (op.op === 'addAfter') this.#queue.addAfter(key, op.delayMs);
      else if (op.op === 'addRateLimited') retryInMs = this.#queue.addRateLimited(key, op.retryAfterMs);
      else this.#park(op.gate, key);
    return retryInMs;
  }
}
