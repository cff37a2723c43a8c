// The live page's children diff: an answer's desired objects against the live ones its request carried, line by line.

/** A JSON value as the request and the answer carry it. */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Just enough of a Kubernetes object to pair desired with live. */
interface Child {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: unknown; namespace?: unknown };
}

export interface DiffLine {
  op: ' ' | '+' | '-';
  text: string;
}

/** One child: created (desired, not live), changed or unchanged (both), pruned (live, not desired). */
export interface ChildDiff {
  /** `Kind namespace/name`. */
  child: string;
  change: 'create' | 'update' | 'unchanged' | 'prune';
  lines: DiffLine[];
}

/** Past this many lines on either side, a child's diff is not computed (the JSON views still show both). */
const MAX_LINES = 1500;

function groupOf(apiVersion: unknown): string {
  const s = typeof apiVersion === 'string' ? apiVersion : '';
  return s.includes('/') ? (s.split('/')[0] ?? '') : '';
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** group/Kind/namespace/name: desired children may name another version of the kind, or omit their namespace. */
function identity(o: Child, namespace: string): string {
  return `${groupOf(o.apiVersion)}/${str(o.kind)}/${str(o.metadata?.namespace) || namespace}/${str(o.metadata?.name)}`;
}

function label(o: Child, namespace: string): string {
  const ns = str(o.metadata?.namespace) || namespace;
  return `${str(o.kind)} ${ns ? `${ns}/` : ''}${str(o.metadata?.name)}`;
}

function isObject(v: Json | undefined): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * `live` cut down to the fields `desired` sets, as server-side apply compares them: what the
 * apiserver and other field managers add (uid, managedFields, status, defaults) is not a difference.
 * List items pair by `name` when every desired item has one, else by position.
 */
export function projectOnto(desired: Json, live: Json | undefined): Json | undefined {
  if (live === undefined) return undefined;
  if (isObject(desired)) {
    if (!isObject(live)) return live;
    const out: Record<string, Json> = {};
    for (const key of Object.keys(desired)) {
      const projected = projectOnto(desired[key] ?? null, live[key]);
      if (projected !== undefined) out[key] = projected;
    }
    return out;
  }
  if (Array.isArray(desired)) {
    if (!Array.isArray(live)) return live;
    const named = desired.every((d) => isObject(d) && typeof d.name === 'string');
    if (named) {
      const byName = new Map(live.flatMap((l) => (isObject(l) ? [[l.name, l] as const] : [])));
      const paired = desired.map((d) => projectOnto(d, byName.get(isObject(d) ? d.name : undefined)));
      const extra = live.filter(
        (l) => !isObject(l) || !desired.some((d) => isObject(d) && d.name === l.name),
      );
      return [...paired.filter((p): p is Json => p !== undefined), ...extra];
    }
    return live.map((l, i) => (i < desired.length ? (projectOnto(desired[i] ?? null, l) ?? l) : l));
  }
  return live;
}

/** JSON with sorted keys, two-space indented, so equal objects print equal. */
export function stableJson(value: Json | undefined): string {
  const sort = (v: Json): Json =>
    Array.isArray(v)
      ? v.map(sort)
      : isObject(v)
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sort(v[k] ?? null)]),
          )
        : v;
  return value === undefined ? '' : JSON.stringify(sort(value), null, 2);
}

/** A line diff (longest common subsequence), `before` → `after`. */
export function diffLines(before: readonly string[], after: readonly string[]): DiffLine[] {
  const n = before.length;
  const m = after.length;
  // at(i, j): the longest common subsequence of before[i:] and after[j:], in one flat table.
  const width = m + 1;
  const lcs = new Uint32Array((n + 1) * width);
  const at = (i: number, j: number): number => lcs[i * width + j] ?? 0;
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i * width + j] =
        before[i] === after[j] ? at(i + 1, j + 1) + 1 : Math.max(at(i + 1, j), at(i, j + 1));
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && before[i] === after[j]) {
      out.push({ op: ' ', text: before[i] ?? '' });
      i++;
      j++;
    } else if (j < m && (i === n || at(i + 1, j) < at(i, j + 1))) {
      out.push({ op: '+', text: after[j] ?? '' });
      j++;
    } else {
      out.push({ op: '-', text: before[i] ?? '' });
      i++;
    }
  }
  return out;
}

function lines(text: string): string[] {
  return text === '' ? [] : text.split('\n');
}

/**
 * Each desired child against its live copy (projected onto the desired fields), then each live
 * child the answer no longer wants (the relay prunes it). `namespace`: the primary's, the default
 * for desired children that name none.
 */
export function childrenDiff(
  desired: readonly Json[],
  live: readonly Json[],
  namespace: string,
): ChildDiff[] {
  const liveBy = new Map(live.map((l) => [identity(l as Child, ''), l]));
  const out: ChildDiff[] = [];
  const seen = new Set<string>();
  for (const d of desired) {
    const id = identity(d as Child, namespace);
    seen.add(id);
    const current = liveBy.get(id) ?? liveBy.get(identity(d as Child, ''));
    const after = lines(stableJson(d));
    const before = lines(stableJson(current === undefined ? undefined : projectOnto(d, current)));
    const tooBig = before.length > MAX_LINES || after.length > MAX_LINES;
    const diff = tooBig
      ? [{ op: ' ' as const, text: `(over ${String(MAX_LINES)} lines: see the JSON views)` }]
      : diffLines(before, after);
    const change = current === undefined ? 'create' : diff.some((l) => l.op !== ' ') ? 'update' : 'unchanged';
    out.push({ child: label(d as Child, namespace), change, lines: diff });
  }
  for (const l of live) {
    const id = identity(l as Child, '');
    if (seen.has(id) || seen.has(identity(l as Child, namespace))) continue;
    out.push({ child: label(l as Child, ''), change: 'prune', lines: [] });
  }
  return out;
}

export type { Json };
