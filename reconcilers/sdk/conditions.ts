// Status conditions with Kubernetes semantics, stamped from the request's own evidence instead of a clock.
import { isRecord, pathOf } from './objects.ts';
import type { Condition, KubeObject } from './types.ts';

/** Used only when the request carries no timestamp at all (no creationTimestamp anywhere). */
export const EPOCH = '1970-01-01T00:00:00Z';

const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Milliseconds of an RFC 3339 time, or NaN for anything else. */
function millis(value: unknown): number {
  return typeof value === 'string' && RFC3339.test(value) ? Date.parse(value) : NaN;
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
  // Kubernetes writes metav1.Time as `YYYY-MM-DDTHH:MM:SSZ`, which orders as text; only other
  // RFC 3339 forms (fractions, offsets) need Date.parse, which is slow in QuickJS.
  let canonical = '';
  let other = EPOCH;
  let otherMs = 0;
  const consider = (value: unknown): void => {
    if (typeof value !== 'string') return;
    if (value.length === 20) {
      // The only 20-character RFC 3339 form; checked only when it would win (the check is slow).
      if (value > canonical && CANONICAL.test(value)) canonical = value;
      return;
    }
    const ms = millis(value);
    if (ms > otherMs) {
      otherMs = ms;
      other = value;
    }
  };
  for (const obj of objects) {
    const meta = obj.metadata;
    consider(meta.creationTimestamp);
    consider(meta.deletionTimestamp);
    const managed = meta.managedFields;
    if (Array.isArray(managed)) {
      for (const entry of managed as unknown[]) if (isRecord(entry)) consider(entry.time);
    }
    const status = obj.status;
    const conditions = isRecord(status) ? status.conditions : undefined;
    if (Array.isArray(conditions)) {
      for (const c of conditions as unknown[]) {
        if (!isRecord(c)) continue;
        consider(c.lastTransitionTime);
        consider(c.lastUpdateTime);
      }
    }
  }
  if (canonical === '') return other;
  return Date.parse(canonical) >= otherMs ? canonical : other;
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
