// Trigger predicates: which watch deltas make a primary worth reconciling, and which primary they concern.
import { isDeepStrictEqual } from 'node:util';
import { ownerUids } from '../apply/ownership.ts';
import type { KObject } from '../kube/object.ts';
import type { Delta } from '../watch/store.ts';

/** The parts of an object that are not its spec: changes to only these never trigger. */
function withoutVolatile(obj: KObject): unknown {
  const rest: Record<string, unknown> = { ...obj };
  delete rest.status;
  const meta: Record<string, unknown> = { ...obj.metadata };
  delete meta.resourceVersion;
  delete meta.managedFields;
  rest.metadata = meta;
  return rest;
}

/**
 * Whether a primary changed in a way that needs a reconcile. A change to its status or its
 * resourceVersion alone does not count (the relay's own status writes must not loop). With
 * `metadata.generation` (set by the apiserver for CRDs and most built-in kinds) the spec counts
 * through it; labels, annotations, deletion and finalizers are compared directly.
 */
export function primaryChanged(old: KObject, cur: KObject): boolean {
  const a = old.metadata;
  const b = cur.metadata;
  if (a.uid !== b.uid) return true;
  if (a.generation !== undefined && b.generation !== undefined) {
    return (
      a.generation !== b.generation ||
      a.deletionTimestamp !== b.deletionTimestamp ||
      !isDeepStrictEqual(a.labels ?? {}, b.labels ?? {}) ||
      !isDeepStrictEqual(a.annotations ?? {}, b.annotations ?? {}) ||
      !isDeepStrictEqual(a.finalizers ?? [], b.finalizers ?? [])
    );
  }
  return !isDeepStrictEqual(withoutVolatile(old), withoutVolatile(cur));
}

/** Whether a delta of the primary kind should enqueue that primary. */
export function primaryTriggers(delta: Delta): boolean {
  switch (delta.type) {
    case 'added':
      return true;
    case 'modified':
      return primaryChanged(delta.old, delta.object);
    case 'deleted':
      // The primary is gone: its children are garbage-collected by the apiserver.
      return false;
  }
}

/**
 * The primary uids an owned-kind delta concerns. Any change (new resourceVersion) counts,
 * status included: owned objects' status is what a reconciler summarises. For a modification
 * both the old and the new owners are returned, so moving an object between owners wakes both.
 */
export function ownedTriggers(delta: Delta): string[] {
  const uids = new Set(ownerUids(delta.object));
  if (delta.type === 'modified') for (const uid of ownerUids(delta.old)) uids.add(uid);
  return [...uids];
}
