// Object keys (`namespace/name`), references, kind identities and name rules, as client-go's cache uses them.
import type { KindRef, KubeObject, ObjectRef } from './protocol/schemas.ts';

/** A DNS-1123 label: namespaces, reconciler names, Kubernetes names in URLs. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The cache key of an object: `namespace/name`, or `name` for cluster-scoped objects. */
export type ObjectKey = string;

export function objectKey(namespace: string | undefined, name: string): ObjectKey {
  return namespace ? `${namespace}/${name}` : name;
}

export function keyOf(obj: KubeObject): ObjectKey {
  return objectKey(obj.metadata.namespace, obj.metadata.name);
}

export function splitKey(key: ObjectKey): { namespace?: string; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** `apps/v1/Deployment`: a kind's identity, used to key watches and scope checks. */
export function kindId(kind: KindRef): string {
  return `${kind.apiVersion}/${kind.kind}`;
}

export function refOf(obj: KubeObject): ObjectRef {
  const ref: ObjectRef = { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name };
  if (obj.metadata.namespace !== undefined) ref.namespace = obj.metadata.namespace;
  return ref;
}

export function formatRef(ref: ObjectRef): string {
  return `${ref.kind} ${objectKey(ref.namespace, ref.name)}`;
}

/** The API group of an apiVersion: "" for the core group ("v1"). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}
