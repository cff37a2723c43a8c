// Recognises the watch events the relay's own writes cause, so they do not wake the primary again.
//
// After an apply the controller records the resourceVersion each write returned (the last few per
// object: one reconcile may write an object twice). A delta whose object has one of them is the
// echo of the relay's write and triggers nothing; that expectation and any older one are dropped.
// Any other delta of the same object (another field manager's change, a status update by another
// controller) does trigger. Deltas that arrive while their primary is being reconciled are held by the
// controller and judged here after the apply returns (the watch can be faster than the PATCH's
// answer).
// Deletions are never echoes, not even of objects the relay pruned: a reconciler's teardown (a
// finalizer waiting for its StatefulSet to be gone) is decided by seeing the deletion.
import type { KObject } from '../kube/object.ts';
import type { Delta } from '../watch/store.ts';
import { identity } from '../apply/ownership.ts';

const MAX_PER_OBJECT = 4;

export class Echoes {
  /** identity → resourceVersions the relay's recent writes returned, oldest first. */
  #written = new Map<string, string[]>();

  /** Records what one apply wrote. */
  expect(written: ReadonlyMap<string, KObject>): void {
    for (const [id, obj] of written) {
      const rv = obj.metadata.resourceVersion;
      if (!rv) continue;
      const rvs = this.#written.get(id) ?? [];
      rvs.push(rv);
      this.#written.set(id, rvs.slice(-MAX_PER_OBJECT));
    }
  }

  /**
   * Whether `delta` is the echo of the relay's own write. Asking twice about one delta (an object
   * both owned and related) answers the same; a delta that is not an echo drops the expectation.
   */
  isEcho(delta: Delta): boolean {
    const obj: KObject = delta.object;
    const id = identity(obj);
    const rvs = this.#written.get(id);
    if (rvs === undefined) return false;
    if (delta.type === 'deleted') {
      this.#written.delete(id);
      return false;
    }
    const at = rvs.indexOf(obj.metadata.resourceVersion ?? '');
    if (at < 0) return false;
    // Keep this one (a second question about the same delta answers the same); drop the older.
    const rest = rvs.slice(at);
    this.#written.set(id, rest);
    return true;
  }

  /** Forgets the expectations of objects that are gone. */
  forget(objects: readonly KObject[]): void {
    for (const obj of objects) this.#written.delete(identity(obj));
  }

  /** Objects with an expectation. */
  get size(): number {
    return this.#written.size;
  }
}
