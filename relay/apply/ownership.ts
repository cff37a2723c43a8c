// Marks desired objects as owned by their primary (controller ownerReference + owner labels) and finds them again.
//
// Owner labels (decision, documented in relay/README.md):
//   zeroloop.dev/owner: <primary uid>       (a uid fits a label value; names may not)
//   zeroloop.dev/reconciler: <reconciler>   (which Reconciler wrote it; two Reconcilers of one
//                                            primary kind keep their children apart by it)
// Ownership is the relay's, never the reconciler's: `ownerReferences` and every `zeroloop.dev/`
// label or annotation in an answer are stripped (and reported) before the relay stamps its own.
// An object is owned by a primary when its controller ownerReference or its owner label names the
// primary's uid. Only objects carrying BOTH owner labels for this primary and this reconciler are
// ever updated or pruned: anything else is someone else's, and is never adopted.
import type { KubeObject } from '../../src/protocol/schemas.ts';
import type { KObject, OwnerReference } from '../kube/object.ts';

export const OWNER_LABEL = 'zeroloop.dev/owner';
export const RECONCILER_LABEL = 'zeroloop.dev/reconciler';
/** Hash of the intent last applied (see intent.ts): lets a restarted relay skip unchanged writes. */
export const INTENT_ANNOTATION = 'zeroloop.dev/intent';
const RESERVED_PREFIX = 'zeroloop.dev/';

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

/** Whether `obj` names an owner (a controller ownerReference or the owner label): what `ownerUids` finds, without building it. */
export function hasOwner(obj: KObject): boolean {
  if (obj.metadata.labels?.[OWNER_LABEL] !== undefined) return true;
  return obj.metadata.ownerReferences?.some((r) => r.controller === true) ?? false;
}

/** Whether the relay created `obj` for this primary and this reconciler, so that it may update or prune it. */
export function isStampedBy(obj: KObject, primaryUid: string, reconciler: string): boolean {
  const labels = obj.metadata.labels;
  return labels?.[OWNER_LABEL] === primaryUid && labels[RECONCILER_LABEL] === reconciler;
}

/** Whether `obj` was stamped by some other Reconciler than `reconciler` (its children are not ours). */
export function stampedByOther(obj: KObject, reconciler: string): boolean {
  const other = obj.metadata.labels?.[RECONCILER_LABEL];
  return other !== undefined && other !== reconciler;
}

const SERVER_FIELDS = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'selfLink',
];

/** A stamped object, and what the relay removed from the reconciler's version of it. */
export interface Stamped {
  object: KObject;
  /** `ownerReferences`, `zeroloop.dev/` labels and annotations the answer tried to set. */
  stripped: string[];
}

function withoutReserved(map: unknown, what: string, stripped: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((map ?? {}) as Record<string, string>)) {
    if (k.startsWith(RESERVED_PREFIX)) stripped.push(`${what} ${k}`);
    else out[k] = v;
  }
  return out;
}

/**
 * A copy of `desired` ready for server-side apply: namespace defaulted, server-populated fields
 * removed, the answer's ownerReferences and `zeroloop.dev/` labels/annotations stripped, then the
 * owner labels and the one controller ownerReference pointing at `primary` set by the relay.
 */
export function stamp(
  desired: KubeObject,
  primary: KObject,
  reconciler: string,
  namespace: string | undefined,
): Stamped {
  const stripped: string[] = [];
  const meta = Object.fromEntries(
    Object.entries(desired.metadata as Record<string, unknown>).filter(([k]) => !SERVER_FIELDS.includes(k)),
  );
  const refs = (meta.ownerReferences as OwnerReference[] | undefined) ?? [];
  for (const r of refs) stripped.push(`ownerReference ${r.kind}/${r.name}`);
  const labels = withoutReserved(meta.labels, 'label', stripped);
  labels[OWNER_LABEL] = controllerRef(primary).uid;
  labels[RECONCILER_LABEL] = reconciler;
  const annotations = withoutReserved(meta.annotations, 'annotation', stripped);
  const metadata: KObject['metadata'] = {
    ...meta,
    name: desired.metadata.name,
    labels,
    ownerReferences: [controllerRef(primary)],
  };
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  else delete metadata.annotations;
  if (namespace !== undefined) metadata.namespace = namespace;
  else delete metadata.namespace;
  return { object: { ...desired, metadata }, stripped };
}

/** `apps/v1/Deployment ns/name`: identity of an object across kinds. */
export function identity(obj: {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string | undefined };
}): string {
  return `${obj.apiVersion}/${obj.kind} ${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
}

/** Who an existing object belongs to, as the AdoptionRefused message says it. */
export function foreignOwner(live: KObject): string {
  const labels = live.metadata.labels ?? {};
  const controller = live.metadata.ownerReferences?.find((r) => r.controller === true);
  const owner =
    labels[OWNER_LABEL] !== undefined
      ? `stamped by zeroloop for owner ${labels[OWNER_LABEL]} (reconciler ${labels[RECONCILER_LABEL] ?? '?'})`
      : controller
        ? `controlled by ${controller.kind} ${controller.name}`
        : 'created by someone else';
  return `${identity(live)} already exists and was not created by the relay for this primary (${owner}); rename the object in the reconciler, or delete the existing one`;
}
