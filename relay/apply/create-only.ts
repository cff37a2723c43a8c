// A server-side apply that can only create: it carries a resourceVersion no stored object has, so the apiserver creates a missing object and refuses (409) an existing one.
//
// Checked on the real apiserver (test/e2e/relay-applier.test.ts): an apply of a missing object ignores
// `metadata.resourceVersion` and creates it (managed by the apply's field manager, as any apply); an
// apply of an existing object treats it as an optimistic-concurrency precondition and answers 409
// Conflict unless it equals the stored one. No object's resourceVersion is 2^64-1 (etcd would need as
// many writes), while "0" would mean "unconditional". A `metadata.uid` does not work: the apiserver
// refuses it on a create ("uid mismatch ... no existing object was found").
// This makes the adoption guard atomic: a create cannot take over an object someone else made, however
// late the cache is, with no dry-run and no read before it.
import { KubeApiError } from '../kube/client.ts';
import type { KObject } from '../kube/object.ts';

/** A resourceVersion no stored object has: the largest etcd revision. */
export const NO_STORED_VERSION = '18446744073709551615';

/** `obj` as a create-only apply body: the same object with the impossible resourceVersion. */
export function createOnly(obj: KObject): KObject {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: NO_STORED_VERSION } };
}

/** Whether a create-only apply failed because the object exists already. */
export function existsAlready(error: unknown): boolean {
  const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
  return cause instanceof KubeApiError && cause.status === 409;
}
