// What a controller remembers of each primary between its reconciles: the status it wrote, the outcome of its last write, the status it owes; all forgotten with the primary.
import type { JsonObject, LastWrite, Trigger } from '../../src/protocol/schemas.ts';
import type { Clock } from '../clock.ts';
import type { KObject } from '../kube/object.ts';
import { LastWrites } from './last-write.ts';
import { StatusDebts } from './status-debts.ts';
import type { SyncOutcome } from './sync.ts';
import { WrittenStatuses } from './written-status.ts';

export class PrimaryMemory {
  /** Statuses the relay wrote that the cache may not hold yet (written-status.ts). */
  #statuses = new WrittenStatuses();
  /** The outcome of the last write of an answer (last-write.ts). */
  #lastWrites = new LastWrites();
  /** Statuses left to the primary's next reconcile by a reconcile that wrote (status-debts.ts). */
  #debts: StatusDebts;

  /** `enqueue` reconciles a primary whose owed status fell due. */
  constructor(options: { clock: Clock; enqueue: (key: string, trigger: Trigger) => void }) {
    this.#debts = new StatusDebts(options);
  }

  /**
   * A reconcile of `key` starts from `cached`: it pays any status owed, and sees the status the relay
   * wrote if the cache does not hold it yet. Returns the primary as the reconcile should see it.
   */
  started(key: string, cached: KObject | undefined): KObject | undefined {
    this.#debts.paid(key);
    return cached && this.#statuses.view(key, cached);
  }

  /** The outcome of the relay's last write of an answer for `key`. */
  lastWrite(key: string): LastWrite {
    return this.#lastWrites.of(key);
  }

  /** A reconcile of `key` ended: what it wrote, and a status it left owed. */
  finished(key: string, outcome: SyncOutcome): void {
    this.#lastWrites.record(key, outcome);
    if (outcome.type === 'reconciled' && outcome.trace.statusOwed)
      this.#debts.owe(key, outcome.trace.statusOwed);
  }

  /** The relay wrote `status` to `key` (based on `primary`) and got `resourceVersion` back. */
  wroteStatus(key: string, primary: KObject, status: JsonObject, resourceVersion: string): void {
    this.#statuses.wrote(key, primary, status, resourceVersion);
  }

  /** The watch delivered `primary`: a written status it shows is no longer needed. */
  seen(key: string, primary: KObject): void {
    this.#statuses.seen(key, primary);
  }

  /** The primary is gone. */
  forget(key: string): void {
    this.#debts.paid(key);
    this.#statuses.forget(key);
    this.#lastWrites.forget(key);
  }

  /** The controller stops: no owed status enqueues anything any more. */
  stop(): void {
    this.#debts.clear();
  }
}
