// An object as a metadata-only cache holds it (controller-runtime's PartialObjectMetadata): apiVersion, kind and metadata.
import type { KObject } from '../kube/object.ts';

/**
 * Whether `obj` has an owner, so that a cache keeps it whole. The rule is the caller's: the relay's is
 * relay/apply/ownership.ts' `hasOwner` (a controller ownerReference or the owner label).
 */
export type OwnedPredicate = (obj: KObject) => boolean;

/** `obj` without its body (spec, data, status…): what the cache needs to say that it exists and who owns it. */
export function metadataOnly(obj: KObject): KObject {
  return { apiVersion: obj.apiVersion, kind: obj.kind, metadata: obj.metadata };
}
