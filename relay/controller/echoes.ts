// Recognises the watch events the relay's own writes cause, so they do not wake the primary again.
//
// After an apply the controller records the resourceVersion each write returned, and the uid of
// each object it pruned. A delta whose object has exactly that resourceVersion (or whose deletion
// is of that uid) is the echo of the relay's write, and triggers nothing. Any other delta of the
// same object (another field manager's change, a status update by another controller) does
// trigger, and forgets the expectation: resourceVersions only grow, so it can never match again.
// Deltas that arrive while their primary is being reconciled are held by the controller and
// judged here after the apply returns (the watch can be faster than the PATCH's answer).
import type { KObject } from '../kube/object.ts';
import type { Delta } from '../watch/store.ts';
import { identity } from '../apply/ownership.ts';

export class Echoes {
  /** identity → resourceVersion the relay's last write returned. */
  #written = new Map<string, string>();
  /** uids the relay deleted, oldest first (bounded: a deletion echoes once, soon after). */
  #pruned = new Set<string>();
  #maxPruned: number;

  constructor(options: { maxPruned?: number } = {}) {
    this.#maxPruned = options.maxPruned ?? 10_000;
  }

  /** Records what one apply wrote. */
  expect(written: ReadonlyMap<string, string>, prunedUids: readonly string[]): void {
    for (const [id, rv] of written) this.#written.set(id, rv);
    for (const uid of prunedUids) this.#pruned.add(uid);
    for (const uid of this.#pruned) {
      if (this.#pruned.size <= this.#maxPruned) break;
      this.#pruned.delete(uid);
    }
  }

  /**
   * Whether `delta` is the echo of the relay's own write. Asking twice about one delta (an object
   * both owned and related) answers the same; a delta that is not an echo drops the expectation.
   */
  isEcho(delta: Delta): boolean {
    const obj: KObject = delta.object;
    if (delta.type === 'deleted') {
      this.#written.delete(identity(obj));
      return obj.metadata.uid !== undefined && this.#pruned.has(obj.metadata.uid);
    }
    const id = identity(obj);
    const rv = this.#written.get(id);
    if (rv === undefined) return false;
    if (rv === obj.metadata.resourceVersion) return true;
    this.#written.delete(id);
    return false;
  }

  /** Forgets the expectations of objects that are gone (their primary was deleted). */
  forget(objects: readonly KObject[]): void {
    for (const obj of objects) {
      this.#written.delete(identity(obj));
      if (obj.metadata.uid) this.#pruned.delete(obj.metadata.uid);
    }
  }

  get size(): number {
    return this.#written.size + this.#pruned.size;
  }
}
