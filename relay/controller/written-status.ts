// The status the relay wrote to each primary, held until the cache catches up: a reconcile that starts before the write's watch event arrives sees that status, not the cached one from before the write.
//
// Without it, a reconcile woken a few milliseconds after a status write (a child's watch event)
// is given the primary's old status, and its answer's status differs from that old one, so the
// same status is written again. The cached copy is stale while its resourceVersion is the one the
// write was based on, or a lower one (kube-apiserver's resourceVersions are comparable decimal
// integers); any other version means the watch delivered the write or something newer, and the
// entry is dropped. Memory only, like every cache of the relay.
import type { JsonObject } from '../../src/protocol/schemas.ts';
import type { KObject } from '../kube/object.ts';

interface Written {
  status: JsonObject;
  /** resourceVersion of the primary the reconcile read (the write's base). */
  basedOn: string | undefined;
  /** resourceVersion the status write returned. */
  resourceVersion: string;
}

export class WrittenStatuses {
  #byKey = new Map<string, Written>();

  /** The relay wrote `status` to the primary `basedOn` (as the reconcile read it); the write returned `resourceVersion`. */
  wrote(key: string, basedOn: KObject, status: JsonObject, resourceVersion: string): void {
    this.#byKey.set(key, { status, basedOn: basedOn.metadata.resourceVersion, resourceVersion });
  }

  /** The primary as a reconcile should see it: the cached copy, with the written status while the copy is older than the write. */
  view(key: string, cached: KObject): KObject {
    const written = this.#byKey.get(key);
    if (!written) return cached;
    if (!olderThanWrite(cached.metadata.resourceVersion, written)) {
      this.#byKey.delete(key);
      return cached;
    }
    return { ...cached, status: written.status };
  }

  /** A watch event of the primary: once the cache holds the write (or newer), the memory goes, so idle primaries hold none. */
  seen(key: string, cached: KObject): void {
    const written = this.#byKey.get(key);
    if (written && !olderThanWrite(cached.metadata.resourceVersion, written)) this.#byKey.delete(key);
  }

  forget(key: string): void {
    this.#byKey.delete(key);
  }

  get size(): number {
    return this.#byKey.size;
  }
}

const DECIMAL = /^[0-9]{1,30}$/;

function olderThanWrite(version: string | undefined, written: Written): boolean {
  if (version === undefined || version === written.resourceVersion) return false;
  if (version === written.basedOn) return true;
  if (DECIMAL.test(version) && DECIMAL.test(written.resourceVersion))
    return BigInt(version) < BigInt(written.resourceVersion);
  return false;
}
