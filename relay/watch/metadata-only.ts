// An object as a metadata-only cache holds it (controller-runtime's PartialObjectMetadata): apiVersion, kind and metadata.
import type { KObject } from '../kube/object.ts';

/** Whether a cache must keep `obj` whole, or may hold its metadata only. */
export type OwnedPredicate = (obj: KObject) => boolean;

/** The default owner test: the object has a controller ownerReference. */
export const hasControllerRef: OwnedPredicate = (obj) =>
  obj.metadata.ownerReferences?.some((ref) => ref.controller === true) ?? false;

/** `obj` without its body (spec, data, status…): what the cache needs to say that it exists and who owns it. */
export function metadataOnly(obj: KObject): KObject {
  return { apiVersion: obj.apiVersion, kind: obj.kind, metadata: obj.metadata };
}
