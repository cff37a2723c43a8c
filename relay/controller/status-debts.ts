// The statuses the relay owes: a reconcile that wrote children leaves its status to the primary's next reconcile, and enqueues one itself only if none comes within a grace period.
//
// A status must be computed from the children as the apiserver left them (created, uid, generation,
// defaults), which the answer that wrote them could not see. Instead of asking the worker again at
// once (a second round trip in every reconcile that writes), the relay writes nothing then and owes
// the status:
// - a change to what it wrote (the Deployment controller's first status update, a few milliseconds
//   after the create) wakes the primary anyway; that reconcile sees the children as they are,
//   writes the status and pays the debt: one worker call where there were two;
// - otherwise (children no controller acts on, such as a ConfigMap) the debt enqueues the primary
//   after the grace period, with the owned object that was written as its trigger: the same two calls
//   as before, the status up to the grace period later.
// Any reconcile of the primary pays its debt when it starts. A timer exists only while a debt is
// unpaid; an idle relay holds none.
import type { Trigger } from '../../src/protocol/schemas.ts';
import type { Clock, Timer } from '../clock.ts';

/** How long a written child has to wake its primary before the relay enqueues the primary itself. */
export const STATUS_GRACE_MS = 500;

export class StatusDebts {
  #clock: Clock;
  #graceMs: number;
  #enqueue: (key: string, trigger: Trigger) => void;
  #timers = new Map<string, Timer>();

  constructor(options: {
    clock: Clock;
    /** Enqueues a primary whose debt fell due. */
    enqueue: (key: string, trigger: Trigger) => void;
    graceMs?: number;
  }) {
    this.#clock = options.clock;
    this.#enqueue = options.enqueue;
    this.#graceMs = options.graceMs ?? STATUS_GRACE_MS;
  }

  /** `key`'s reconcile wrote and left its status: reconcile it again after the grace period unless something else does first. */
  owe(key: string, trigger: Trigger): void {
    this.paid(key);
    const timer = this.#clock.setTimer(() => {
      this.#timers.delete(key);
      this.#enqueue(key, trigger);
    }, this.#graceMs);
    this.#timers.set(key, timer);
  }

  /** A reconcile of `key` started: it computes the status, so nothing is owed. */
  paid(key: string): void {
    this.#timers.get(key)?.cancel();
    this.#timers.delete(key);
  }

  /** Debts not yet paid. */
  get size(): number {
    return this.#timers.size;
  }

  /** Drops every debt (the controller stops). */
  clear(): void {
    for (const timer of this.#timers.values()) timer.cancel();
    this.#timers.clear();
  }
}
