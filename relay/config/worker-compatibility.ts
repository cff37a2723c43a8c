// Tracks, per Reconciler, whether its worker's last answer said relay and worker do not match: the source of Ready=False IncompatibleWorker.
import type { AnswerVersions } from '../dispatch/dispatcher.ts';

/** The Ready condition's reason while a Reconciler's worker does not match this relay. */
export const INCOMPATIBLE_WORKER = 'IncompatibleWorker';

/** What a Reconciler must match for an answer to concern it: the worker it calls, and the name there. */
export interface WorkerTarget {
  endpoint: string;
  reconciler: string;
}

/** How an answer changed a Reconciler's standing: it became (or, with a new message, stays) incompatible, or matches again. */
export type CompatibilityChange =
  { name: string; incompatible: true; message: string } | { name: string; incompatible: false };

/**
 * Invariants: a Reconciler is incompatible from the first answer that says so until the first answer
 * in which its worker speaks this relay's protocol; only changes are returned, so a steady stream of
 * answers writes no condition.
 */
export class WorkerCompatibility {
  #incompatible = new Map<string, string>();

  /** The message of `name`'s incompatibility, or undefined when its worker matches (or never answered). */
  message(name: string): string | undefined {
    return this.#incompatible.get(name);
  }

  /** Applies one answer to every Reconciler that calls that worker under that name; returns the changes. */
  record(answer: AnswerVersions, reconcilers: Iterable<[string, WorkerTarget]>): CompatibilityChange[] {
    const changes: CompatibilityChange[] = [];
    for (const [name, target] of reconcilers) {
      if (target.endpoint !== answer.endpoint || target.reconciler !== answer.reconciler) continue;
      const before = this.#incompatible.get(name);
      if (answer.incompatible) {
        // The DispatchError's message carries the kind and key; the condition wants the reason alone.
        const message = answer.incompatible.detail;
        if (before === message) continue;
        this.#incompatible.set(name, message);
        changes.push({ name, incompatible: true, message });
      } else if (before !== undefined) {
        this.#incompatible.delete(name);
        changes.push({ name, incompatible: false });
      }
    }
    return changes;
  }

  /** Forgets `name` (its controller stopped or restarted: the next answer decides again). */
  forget(name: string): void {
    this.#incompatible.delete(name);
  }
}
