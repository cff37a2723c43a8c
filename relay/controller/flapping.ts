// Finds primaries whose answers keep changing what the relay writes while the primary itself does not change.
//
// A reconciler that flips a label on every call, or two controllers fighting over one field, makes
// every reconcile write. Echo suppression keeps that from looping by itself, but any other trigger
// (a requeue-after, a child's status) then costs a write each time. A primary is flapping after
// `threshold` reconciles in a row that wrote (applied or pruned something) with the same
// `metadata.generation`; a reconcile that writes nothing, or a new generation, ends it. While it
// flaps, each of its reconciles waits `slowed()`: twice the previous wait (starting from twice
// what it asked for, at least `baseDelayMs`), up to `maxDelayMs`.

export type FlapTransition = 'started' | 'stopped' | undefined;

export class FlapDetector {
  #threshold: number;
  /** key → generation seen and consecutive writing reconciles at it. */
  #runs = new Map<string, { generation: number | undefined; writes: number }>();
  #flapping = new Set<string>();
  /** key → the last wait imposed on it while flapping. */
  #delays = new Map<string, number>();
  #baseDelayMs: number;
  #maxDelayMs: number;

  constructor(options: { threshold?: number; baseDelayMs?: number; maxDelayMs?: number } = {}) {
    this.#threshold = options.threshold ?? 5;
    this.#baseDelayMs = options.baseDelayMs ?? 1000;
    this.#maxDelayMs = options.maxDelayMs ?? 5 * 60_000;
  }

  /** The wait before a flapping key's next reconcile (`askedMs`: its own requeue-after, or 0). */
  slowed(key: string, askedMs = 0): number {
    const previous = this.#delays.get(key) ?? Math.max(askedMs, this.#baseDelayMs / 2);
    const next = Math.min(Math.max(previous * 2, askedMs), this.#maxDelayMs);
    this.#delays.set(key, next);
    return next;
  }

  /** The keys flapping now. */
  keys(): string[] {
    return [...this.#flapping];
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
    if (writes < this.#threshold && this.#flapping.delete(key)) {
      this.#delays.delete(key);
      return 'stopped';
    }
    return undefined;
  }

  /** Forgets a primary (deleted); returns whether it was flapping. */
  forget(key: string): boolean {
    this.#runs.delete(key);
    this.#delays.delete(key);
    return this.#flapping.delete(key);
  }
}
