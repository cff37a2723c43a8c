// A readable diff of two reconcile answers: owned objects matched by kind and name, then field paths with old → new values.
import type { KubeObject, ReconcileResponse } from '../src/protocol/schemas.ts';

const MAX_VALUE = 80;

function show(value: unknown): string {
  const text = value === undefined ? '(absent)' : JSON.stringify(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every leaf path where `a` and `b` differ, as `path: old → new` (arrays compared by index). */
export function diffValues(a: unknown, b: unknown, path: string): string[] {
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => diffValues(a[k], b[k], path === '' ? k : `${path}.${k}`));
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const lines: string[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++)
      lines.push(...diffValues(a[i], b[i], `${path}[${String(i)}]`));
    return lines;
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [`${path || '(root)'}: ${show(a)} → ${show(b)}`];
}

function identity(o: KubeObject): string {
  return `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/**
 * The differences from `recorded` to `replayed`, one line each: `+`/`-` for owned objects that appear
 * or disappear, `~` for a changed field. Empty when the answers are the same.
 */
export function diffAnswers(recorded: ReconcileResponse, replayed: ReconcileResponse): string[] {
  const lines: string[] = [];
  const before = new Map(recorded.desired.map((o) => [identity(o), o]));
  const after = new Map(replayed.desired.map((o) => [identity(o), o]));
  for (const [id, o] of after) {
    const old = before.get(id);
    if (old === undefined) lines.push(`+ desired ${id}`);
    else lines.push(...diffValues(old, o, '').map((d) => `~ desired ${id}: ${d}`));
  }
  for (const id of before.keys()) if (!after.has(id)) lines.push(`- desired ${id}`);
  const rest = (r: ReconcileResponse): Record<string, unknown> => ({ ...r, desired: undefined });
  lines.push(...diffValues(rest(recorded), rest(replayed), '').map((d) => `~ ${d}`));
  return lines;
}
