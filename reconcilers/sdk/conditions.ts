// Status conditions with Kubernetes semantics, stamped from the request's own evidence instead of a clock.
import { isRecord, pathOf } from './objects.ts';
import type { Condition, KubeObject } from './types.ts';

/** Used only when the request carries no timestamp at all (no creationTimestamp anywhere). */
export const EPOCH = '1970-01-01T00:00:00Z';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function later(best: string, candidate: unknown): string {
  if (typeof candidate !== 'string' || !RFC3339.test(candidate)) return best;
  return Date.parse(candidate) > Date.parse(best) ? candidate : best;
}

/**
 * The latest moment the request gives evidence of. A reconcile is a pure function and has no
 * clock; whatever made a condition change was written to the cluster no later than the newest
 * timestamp among the objects it was computed from. So a new condition transition is stamped
 * with the maximum of every object's `creationTimestamp`, `deletionTimestamp`,
 * `managedFields[].time` and `status.conditions[].lastTransitionTime|lastUpdateTime`. It is a
 * lower bound of the real transition time (exact when the change that caused it carries a time,
 * as a Pod's Ready condition does) and, being deterministic, the same request always gives the
 * same status: a status write never differs only by a clock and so never loops.
 */
export function observedAt(objects: readonly KubeObject[]): string {
  let best = EPOCH;
  for (const obj of objects) {
    const meta = obj.metadata;
    best = later(best, meta.creationTimestamp);
    best = later(best, meta.deletionTimestamp);
    const managed = meta.managedFields;
    if (Array.isArray(managed)) for (const entry of managed) best = later(best, pathOf(entry, 'time'));
    const conditions = pathOf(obj, 'status', 'conditions');
    if (Array.isArray(conditions)) {
      for (const c of conditions) {
        best = later(best, pathOf(c, 'lastTransitionTime'));
        best = later(best, pathOf(c, 'lastUpdateTime'));
      }
    }
  }
  return best;
}

/**
 * The condition `next` as it should be written: `lastTransitionTime` is kept from the previous
 * condition of the same type when its status is unchanged, and is `now` otherwise.
 */
export function transition(
  previous: unknown,
  next: Omit<Condition, 'lastTransitionTime'>,
  now: string,
): Condition {
  const prior: unknown = Array.isArray(previous)
    ? (previous as unknown[]).find((c) => isRecord(c) && c.type === next.type)
    : undefined;
  const priorTime = pathOf(prior, 'lastTransitionTime');
  const keep = pathOf(prior, 'status') === next.status && typeof priorTime === 'string';
  return { ...next, lastTransitionTime: keep ? priorTime : now };
}

/** The primary's current condition `type` (as last written), if any: its status and reason. */
export function previousCondition(
  primary: KubeObject,
  type: string,
): { status: string | undefined; reason: string | undefined } | undefined {
  const conditions = pathOf(primary, 'status', 'conditions');
  if (!Array.isArray(conditions)) return undefined;
  const found: unknown = (conditions as unknown[]).find((c) => isRecord(c) && c.type === type);
  if (found === undefined) return undefined;
  const status = pathOf(found, 'status');
  const reason = pathOf(found, 'reason');
  return {
    status: typeof status === 'string' ? status : undefined,
    reason: typeof reason === 'string' ? reason : undefined,
  };
}
