// Picks a hook's `summary.fields` (dotted paths) out of a JSON payload, within `summary.maxBytes` of JSON.
import type { HookSummary } from '../../src/protocol/hooks.ts';

/** Marks a summary that left out fields that did not fit. */
export const TRUNCATED_KEY = '$truncated';
const MARKER_BYTES = `,"${TRUNCATED_KEY}":true`.length;

const encoder = new TextEncoder();
const jsonBytes = (value: unknown): number => encoder.encode(JSON.stringify(value)).length;

/** The value at `path` (`repository.full_name`, `commits.0.id`): own properties only; undefined when absent. */
export function pick(body: unknown, path: string): unknown {
  let value = body;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/**
 * `{ "<field>": value, … }` in the order asked; absent fields are left out. A field whose value would take the
 * summary over `maxBytes` is left out too, and the summary then carries `"$truncated": true`.
 */
export function summarize(body: unknown, summary: HookSummary): Record<string, unknown> {
  let out: Record<string, unknown> = {};
  const budget = summary.maxBytes - MARKER_BYTES;
  let truncated = false;
  for (const field of summary.fields) {
    const value = pick(body, field);
    if (value === undefined) continue;
    const candidate = { ...out, [field]: value };
    if (jsonBytes(candidate) > budget) truncated = true;
    else out = candidate;
  }
  if (truncated && jsonBytes(out) + MARKER_BYTES <= summary.maxBytes) out[TRUNCATED_KEY] = true;
  return out;
}
