// Marks desired objects as owned by their primary (controller ownerReference + owner labels) and finds them again.
//
// Owner labels (decision, documented in relay/README.md):
//   zeroloop.dev/owner: <primary uid>       (a uid fits a label value; names may not)
//   zeroloop.dev/reconciler: <reconciler>   (which field manager wrote it)
// An object is owned by a primary when its controller ownerReference or its owner label names the
// primary's uid. Only objects carrying the owner label are ever pruned: an object someone else
// created with an ownerReference is passed to the reconciler, but never deleted by the relay.
import type { KubeObject } from '../../src/protocol/schemas.ts';
import type { KObject, OwnerReference } from '../kube/object.ts';

export const OWNER_LABEL = 'zeroloop.dev/owner';
export const RECONCILER_LABEL = 'zeroloop.dev/reconciler';

/** Index name of the store index "owner uid → objects". */
export const OWNER_INDEX = 'owner';

export function controllerRef(primary: KObject): OwnerReference {
  if (!primary.metadata.uid)
    throw new Error(`primary ${primary.metadata.name} has no uid: it must come from the apiserver`);
  return {
    apiVersion: primary.apiVersion,
    kind: primary.kind,
    name: primary.metadata.name,
    uid: primary.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Index function: the primary uids an object belongs to (controller ownerReference, owner label). */
export function ownerUids(obj: KObject): string[] {
  const out = new Set<string>();
  const ref = obj.metadata.ownerReferences?.find((r) => r.controller === true);
  if (ref) out.add(ref.uid);
  const label = obj.metadata.labels?.[OWNER_LABEL];
  if (label) out.add(label);
  return [...out];
}

/** Whether the relay stamped `obj` for `primaryUid`, so that it may prune it. */
export function isStampedBy(obj: KObject, primaryUid: string): boolean {
  return obj.metadata.labels?.[OWNER_LABEL] === primaryUid;
}

const SERVER_FIELDS = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'selfLink',
];

/**
 * A copy of `desired` ready for server-side apply: namespace defaulted, owner labels set, the
 * controller ownerReference pointing at `primary` (replacing any controller reference the
 * reconciler set; other references are kept), server-populated fields removed.
 */
export function stamp(
  desired: KubeObject,
  primary: KObject,
  reconciler: string,
  namespace: string | undefined,
): KObject {
  const meta = Object.fromEntries(
    Object.entries(desired.metadata as Record<string, unknown>).filter(([k]) => !SERVER_FIELDS.includes(k)),
  );
  const labels = { ...(meta.labels as Record<string, string> | undefined) };
  labels[OWNER_LABEL] = controllerRef(primary).uid;
  labels[RECONCILER_LABEL] = reconciler;
  const others = ((meta.ownerReferences as OwnerReference[] | undefined) ?? []).filter(
    (r) => r.controller !== true,
  );
  const out: KObject = {
    ...desired,
    metadata: {
      ...meta,
      name: desired.metadata.name,
      labels,
      ownerReferences: [...others, controllerRef(primary)],
    },
  };
  if (namespace !== undefined) out.metadata.namespace = namespace;
  else delete out.metadata.namespace;
  return out;
}

/** `apps/v1/Deployment ns/name`: identity of an object across kinds. */
export function identity(obj: {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string | undefined };
}): string {
  return `${obj.apiVersion}/${obj.kind} ${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
}
