// Decides whether a desired object needs a write: the intent hash it was last applied with, and whether the live object still holds it.
//
// A server-side apply that changes nothing is still a request (two, with the dry-run). The relay
// skips it when both hold:
// - the live object carries `zeroloop.dev/intent: <hash>` equal to the hash of what the relay
//   would apply now, so the set of fields the relay manages is the same as at the last apply (a
//   field dropped from the answer changes the hash, and the apply that removes it is sent); and
// - every field of the desired object has the same value in the live object (`holds`), so nobody
//   changed a field the relay manages since (a drift is taken back by the apply).
// Both are read from the object itself, so a restarted relay skips the same writes. The check is
// conservative: a value the apiserver normalises ("0.5" CPU → "500m") or a list someone extended
// makes it false, which only costs the apply it would have sent anyway.
import { createHash } from 'node:crypto';
import type { KObject } from '../kube/object.ts';
import { INTENT_ANNOTATION } from './ownership.ts';

/**
 * JSON with object keys sorted, so equal objects hash equal whatever the answer's key order. Fields
 * whose value is undefined are left out, as JSON.stringify leaves them out. It runs for every desired
 * object of every reconcile, so it builds one string and no intermediate arrays; its output must never
 * change (the hash is stored on live objects: a new output would rewrite every object once).
 */
export function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    // undefined (in a list) gives undefined, written as nothing, as earlier relays wrote it.
    const json = JSON.stringify(value) as string | undefined;
    return json ?? '';
  }
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonical(value[i]);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  // The default sort orders by UTF-16 code units, as `<` does on strings.
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const v = record[key];
    if (v === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${canonical(v)}`;
    first = false;
  }
  return `${out}}`;
}

/** The hash of a stamped object's intent (its intent annotation excluded). */
export function intentHash(obj: KObject): string {
  const annotations = Object.fromEntries(
    Object.entries(obj.metadata.annotations ?? {}).filter(([k]) => k !== INTENT_ANNOTATION),
  );
  const meta = { ...obj.metadata, annotations };
  return createHash('sha256')
    .update(canonical({ ...obj, metadata: meta }))
    .digest('base64url')
    .slice(0, 22);
}

/** `obj` with its intent annotation set to its hash: what the relay applies. */
export function withIntent(obj: KObject): KObject {
  const hash = intentHash(obj);
  return {
    ...obj,
    metadata: { ...obj.metadata, annotations: { ...obj.metadata.annotations, [INTENT_ANNOTATION]: hash } },
  };
}

/** Whether every field of `desired` has the same value in `live` (lists: same length, element by element). */
export function holds(desired: unknown, live: unknown): boolean {
  if (Array.isArray(desired)) {
    return (
      Array.isArray(live) && live.length === desired.length && desired.every((d, i) => holds(d, live[i]))
    );
  }
  if (desired !== null && typeof desired === 'object') {
    if (live === null || typeof live !== 'object' || Array.isArray(live)) return false;
    const l = live as Record<string, unknown>;
    return Object.entries(desired as Record<string, unknown>).every(
      ([k, v]) => v === undefined || holds(v, l[k]),
    );
  }
  return desired === live;
}

/** Whether applying `desired` (already carrying its intent annotation) to `live` would change nothing. */
export function unchanged(desired: KObject, live: KObject | undefined): boolean {
  if (!live) return false;
  const hash = desired.metadata.annotations?.[INTENT_ANNOTATION];
  return (
    hash !== undefined && live.metadata.annotations?.[INTENT_ANNOTATION] === hash && holds(desired, live)
  );
}
