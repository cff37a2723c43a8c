// The trigger each queued key will be reconciled for, and when it became ready to run (for the queue-wait phase).
import type { Trigger } from '../../src/protocol/schemas.ts';

export class PendingKeys {
  #triggers = new Map<string, Trigger>();
  /** performance.now() when the key became ready. */
  #readyAt = new Map<string, number>();

  /**
   * Notes `key` queued for `trigger` (ready since `readyAt`); until it is taken, the first trigger and
   * time stay, except that an outside event replaces a pending trigger of another type: the reconcile
   * it coalesces into tells the reconciler about it.
   */
  note(key: string, trigger: Trigger, readyAt?: number): void {
    const pending = this.#triggers.get(key);
    if (!pending || (trigger.type === 'external' && pending.type !== 'external'))
      this.#triggers.set(key, trigger);
    if (readyAt !== undefined && !this.#readyAt.has(key)) this.#readyAt.set(key, readyAt);
  }

  /** A worker took `key`: its trigger (`primary` if none was noted) and when it became ready. */
  take(key: string): { trigger: Trigger; readyAt: number | undefined } {
    const trigger = this.#triggers.get(key) ?? { type: 'primary' };
    const readyAt = this.#readyAt.get(key);
    this.#triggers.delete(key);
    this.#readyAt.delete(key);
    return { trigger, readyAt };
  }
}
