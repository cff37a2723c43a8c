// Remembers the signatures this isolate accepted until they leave the replay window, and refuses a repeat.
//
// Bounded: at most `maxEntries` signatures (about 110 bytes each); above that the oldest is forgotten
// before it expires, and counted. Per isolate only: another isolate or colo has its own set.
export const DEFAULT_REPLAY_ENTRIES = 50_000;

export class ReplayGuard {
  /** Signature → unix second after which it is stale anyway; insertion order ≈ expiry order. */
  #seen = new Map<string, number>();
  #maxEntries: number;
  #forgottenEarly = 0;

  constructor(options: { maxEntries?: number } = {}) {
    this.#maxEntries = options.maxEntries ?? DEFAULT_REPLAY_ENTRIES;
  }

  /**
   * Records a verified signature; false if this isolate accepted it before. Call only after the
   * signature verified, so forged requests cannot fill the set.
   */
  admit(signature: string, expiresAtSeconds: number, nowSeconds: number): boolean {
    this.#expire(nowSeconds);
    if (this.#seen.has(signature)) return false;
    this.#seen.set(signature, expiresAtSeconds);
    for (const oldest of this.#seen.keys()) {
      if (this.#seen.size <= this.#maxEntries) break;
      this.#seen.delete(oldest);
      this.#forgottenEarly++;
    }
    return true;
  }

  get size(): number {
    return this.#seen.size;
  }

  /** Signatures dropped before they expired, to stay within maxEntries. */
  get forgottenEarly(): number {
    return this.#forgottenEarly;
  }

  /** Drops expired entries from the front; one that expires out of order waits its turn (harmless: stale anyway). */
  #expire(nowSeconds: number): void {
    for (const [signature, expiresAt] of this.#seen) {
      if (expiresAt >= nowSeconds) return;
      this.#seen.delete(signature);
    }
  }
}
