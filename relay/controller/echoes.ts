// Recognises the watch events the relay's own writes cause, so they do not wake the primary again.
//
// After an apply the controller records the resourceVersion each write returned. A delta whose
// object has exactly that resourceVersion is the echo of the relay's write, and triggers nothing.
// Any other delta of the same object (another field manager's change, a status update by another
// controller) does trigger, and forgets the expectation: resourceVersions only grow, so it can
// never match again. Deltas that arrive while their primary is being reconciled are held by the
// controller and judged here after the apply returns (the watch can be faster than the PATCH's
// answer).
// Deletions are never echoes, not even of objects the relay pruned: a reconciler's teardown (a
// finalizer waiting for its StatefulSet to be gone) is decided by seeing the deletion.
import type { KObject } from '../kube/object.ts';
import type { Delta } from '../watch/store.ts';
import { identity } from '../apply/ownership.ts';

export class Echoes {
  /** identity → resourceVersion the relay's last write returned. */
  #written = new Map<string, string>();

  /** Records what one apply wrote. */
  expect(written: ReadonlyMap<string, string>): void {
    for (const [id, rv] of written) this.#written.set(id, rv);
  }

  /**
   * Whether `delta` is the echo of the relay's own write. Asking twice about one delta (an object
   * both owned and related) answers the same; a delta that is not an echo drops the expectation.
   */
  isEcho(delta: Delta): boolean {
    const obj: KObject = delta.object;
    const id = identity(obj);
    const rv = this.#written.get(id);
    if (rv === undefined) return false;
    if (delta.type !== 'deleted' && rv === obj.metadata.resourceVersion) return true;
    this.#written.delete(id);
    return false;
  }

  /** Forgets the expectations of objects that are gone. */
  forget(objects: readonly KObject[]): void {
    for (const obj of objects) this.#written.delete(identity(obj));
  }

  get size(): number {
    return this.#written.size;
  }
}
