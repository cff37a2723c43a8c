// Delivery ids this relay has acknowledged, remembered for a day so a delivery sent again (an ack lost with its connection) wakes nothing twice.
import { HOOK_DEDUP_SECONDS } from '../../src/protocol/hooks.ts';

/** The most ids remembered; beyond it the oldest go first (memory stays bounded under a flood). */
export const MAX_REMEMBERED = 100_000;

/**
 * Ids in acceptance order, pruned when one is added (no timer): those accepted more than
 * `HOOK_DEDUP_SECONDS` before the newest, and the oldest beyond `max`. The worker keeps its own
 * record against replays; this one covers redeliveries of what the relay already handled.
 */
export class AcknowledgedDeliveries {
  #acceptedAt = new Map<string, number>();
  #max: number;
  #ttlMs = HOOK_DEDUP_SECONDS * 1000;

  constructor(max = MAX_REMEMBERED) {
    this.#max = max;
  }

  get size(): number {
    return this.#acceptedAt.size;
  }

  has(id: string): boolean {
    return this.#acceptedAt.has(id);
  }

  /** Remembers `id`, accepted at `acceptedAt` (unix ms, the worker's clock). */
  add(id: string, acceptedAt: number): void {
    this.#acceptedAt.delete(id);
    this.#acceptedAt.set(id, acceptedAt);
    // A Map iterates in insertion order, which is close to acceptance order: stop at the first young one.
    for (const [old, at] of this.#acceptedAt) {
      if (this.#acceptedAt.size <= this.#max && at >= acceptedAt - this.#ttlMs) break;
      this.#acceptedAt.delete(old);
    }
  }
}
