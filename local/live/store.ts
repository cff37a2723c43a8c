// The live page's memory: the last reconciles (a ring bounded in count and bytes), Secret data redacted.
import type { ReconcileRecord } from '../../relay/controller/controller.ts';
import { LAST_APPLIED } from '../../relay/record/recording.ts';

/** A reconcile as the page's list shows it (one row). */
export interface ReconcileSummary {
  id: number;
  /** ISO time it started. */
  time: string;
  reconciler: string;
  key: string;
  /** `primary`, `owned Deployment ns/name`, `related …`, `requeue`. */
  trigger: string;
  durationMs: number;
  result: string;
  applied: number;
  pruned: number;
  statusWritten: boolean;
  calls: number;
  events: number;
  error?: { name: string; message: string };
}

/** What the page gets for one chosen reconcile. */
export interface ReconcileDetail {
  summary: ReconcileSummary;
  phasesMs: Record<string, number>;
  calls: { request: unknown; answer?: unknown }[];
  events: { type: string; reason: string; message: string }[];
  error?: unknown;
  /** Set when the request and answer were too large to keep: the calls are then empty. */
  omitted?: string;
}

export interface StoreLimits {
  /** Reconciles kept; the oldest go first. */
  maxEntries: number;
  /** Bytes of JSON kept for all the reconciles' details together. */
  maxBytes: number;
  /** A reconcile whose detail is larger keeps its summary, events and error, not its calls. */
  maxEntryBytes: number;
}

export const DEFAULT_LIMITS: StoreLimits = {
  maxEntries: 200,
  maxBytes: 32 * 1024 * 1024,
  maxEntryBytes: 4 * 1024 * 1024,
};

interface Entry {
  summary: ReconcileSummary;
  /** The detail as JSON: one copy, no references into the relay's caches. */
  detail: string;
}

function triggerText(t: ReconcileRecord['trigger']): string {
  if (t.type === 'owned' || t.type === 'related') {
    const ns = t.ref.namespace ? `${t.ref.namespace}/` : '';
    return `${t.type} ${t.ref.kind} ${ns}${t.ref.name}`;
  }
  return t.type;
}

/**
 * Secret `data` / `stringData` values, and kubectl's last-applied annotation (which holds them too), become
 * `<redacted>`: the page shows requests, never secrets. The recorder hides the same fields (relay/record).
 */
export function redactSecrets(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const o = value as Record<string, unknown>;
  if (o.kind !== 'Secret' || typeof o.apiVersion !== 'string') return value;
  const hide = (d: unknown): unknown =>
    typeof d === 'object' && d !== null
      ? Object.fromEntries(Object.keys(d).map((k) => [k, '<redacted>']))
      : d;
  const metadata = o.metadata as { annotations?: Record<string, unknown> } | undefined;
  const annotations = metadata?.annotations;
  return {
    ...o,
    ...('data' in o && { data: hide(o.data) }),
    ...('stringData' in o && { stringData: hide(o.stringData) }),
    ...(annotations !== undefined &&
      LAST_APPLIED in annotations && {
        metadata: { ...metadata, annotations: { ...annotations, [LAST_APPLIED]: '<redacted>' } },
      }),
  };
}

/** The last reconciles, newest last; `add` returns the summary pushed to the page. */
export class ReconcileStore {
  #limits: StoreLimits;
  #entries: Entry[] = [];
  #bytes = 0;
  #nextId = 1;
  /** The last failed reconcile of each Reconciler. */
  readonly lastError = new Map<string, { key: string; time: string; message: string }>();

  constructor(limits: Partial<StoreLimits> = {}) {
    this.#limits = { ...DEFAULT_LIMITS, ...limits };
  }

  add(r: ReconcileRecord): ReconcileSummary {
    const summary: ReconcileSummary = {
      id: this.#nextId++,
      time: new Date(r.startedAt).toISOString(),
      reconciler: r.reconciler,
      key: r.key,
      trigger: triggerText(r.trigger),
      durationMs: Math.round(r.durationMs * 10) / 10,
      result: r.result,
      applied: r.applied,
      pruned: r.pruned,
      statusWritten: r.statusWritten,
      calls: r.calls.length,
      events: r.events.length,
      ...(r.error && { error: { name: r.error.name, message: r.error.message } }),
    };
    if (r.error)
      this.lastError.set(r.reconciler, { key: r.key, time: summary.time, message: r.error.message });
    const detail: ReconcileDetail = {
      summary,
      phasesMs: r.phasesMs,
      calls: r.calls,
      events: r.events,
      ...(r.error && { error: r.error }),
    };
    let json = JSON.stringify(detail, redactSecrets);
    if (json.length > this.#limits.maxEntryBytes) {
      const omitted = `request and answer not kept: ${String(json.length)} bytes of JSON, over the page's ${String(this.#limits.maxEntryBytes)}-byte limit per reconcile`;
      json = JSON.stringify({ ...detail, calls: [], omitted }, redactSecrets);
    }
    this.#entries.push({ summary, detail: json });
    this.#bytes += json.length;
    while (
      this.#entries.length > this.#limits.maxEntries ||
      (this.#bytes > this.#limits.maxBytes && this.#entries.length > 1)
    ) {
      const dropped = this.#entries.shift();
      this.#bytes -= dropped?.detail.length ?? 0;
    }
    return summary;
  }

  /** The summaries kept, oldest first. */
  summaries(): ReconcileSummary[] {
    return this.#entries.map((e) => e.summary);
  }

  /** The detail's JSON, or undefined once it left the ring. */
  detail(id: number): string | undefined {
    return this.#entries.find((e) => e.summary.id === id)?.detail;
  }

  get bytes(): number {
    return this.#bytes;
  }
}
