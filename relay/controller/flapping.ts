// Finds primaries whose answers keep changing what the relay writes while the primary itself does not change.
//
// A reconciler that flips a label on every call, or two controllers fighting over one field, makes
// every reconcile write. Echo suppression keeps that from looping by itself, but any other trigger
// (a requeue-after, a child's status) then costs a write each time. A primary is flapping after
// `threshold` reconciles in a row that wrote (applied or pruned something) with the same
// `metadata.generation`; a reconcile that writes nothing, or a new generation, ends it. The
// controller slows a flapping primary down with its per-key backoff and reports it.

export type FlapTransition = 'started' | 'stopped' | undefined;

export class FlapDetector {
  #threshold: number;
  /** key → generation seen and consecutive writing reconciles at it. */
  #runs = new Map<string, { generation: number | undefined; writes: number }>();
  #flapping = new Set<string>();

  constructor(options: { threshold?: number } = {}) {
    this.#threshold = options.threshold ?? 5;
  }

  isFlapping(key: string): boolean {
    return this.#flapping.has(key);
  }

  /** Records one successful reconcile; returns whether the key started or stopped flapping. */
  record(key: string, generation: number | undefined, wrote: boolean): FlapTransition {
    const run = this.#runs.get(key);
    const writes = wrote ? (run && run.generation === generation ? run.writes : 0) + 1 : 0;
    if (writes === 0) this.#runs.delete(key);
    else this.#runs.set(key, { generation, writes });
    if (writes >= this.#threshold && !this.#flapping.has(key)) {
      this.#flapping.add(key);
      return 'started';
    }
    if (writes < this.#threshold && this.#flapping.delete(key)) return 'stopped';
    return undefined;
  }

  /** Forgets a primary (deleted); returns whether it was flapping. */
  forget(key: string): boolean {
    this.#runs.delete(key);
    return this.#flapping.delete(key);
  }
}
