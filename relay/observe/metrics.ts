// Prometheus metrics without dependencies: counters, gauges and histograms rendered in the text format.

type Labels = Record<string, string>;

function escapeValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(names: readonly string[], labels: Labels, extra?: [string, string]): string {
  const parts = names.map((n) => `${n}="${escapeValue(labels[n] ?? '')}"`);
  if (extra) parts.push(`${extra[0]}="${escapeValue(extra[1])}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function seriesKey(names: readonly string[], labels: Labels): string {
  return names.map((n) => labels[n] ?? '').join('\u0000');
}

function formatNumber(n: number): string {
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return Number.isNaN(n) ? 'NaN' : String(n);
}

interface Metric {
  render(): string;
}

abstract class Base<S> implements Metric {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  protected series = new Map<string, { labels: Labels; value: S }>();
  abstract readonly type: string;

  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
  }

  protected entry(labels: Labels, init: () => S): { labels: Labels; value: S } {
    const key = seriesKey(this.labelNames, labels);
    let e = this.series.get(key);
    if (!e) this.series.set(key, (e = { labels: { ...labels }, value: init() }));
    return e;
  }

  protected header(): string {
    return `# HELP ${this.name} ${this.help.replace(/\n/g, ' ')}\n# TYPE ${this.name} ${this.type}\n`;
  }

  abstract render(): string;
}

export class Counter extends Base<number> {
  readonly type = 'counter';

  inc(labels: Labels = {}, by = 1): void {
    if (by < 0) throw new Error(`counter ${this.name} cannot decrease`);
    this.entry(labels, () => 0).value += by;
  }

  get(labels: Labels = {}): number {
    return this.series.get(seriesKey(this.labelNames, labels))?.value ?? 0;
  }

  render(): string {
    let out = this.header();
    for (const { labels, value } of this.series.values())
      out += `${this.name}${labelText(this.labelNames, labels)} ${formatNumber(value)}\n`;
    return out;
  }
}

export class Gauge extends Base<number> {
  readonly type = 'gauge';

  set(labels: Labels, value: number): void {
    this.entry(labels, () => 0).value = value;
  }

  inc(labels: Labels = {}, by = 1): void {
    this.entry(labels, () => 0).value += by;
  }

  dec(labels: Labels = {}, by = 1): void {
    this.entry(labels, () => 0).value -= by;
  }

  get(labels: Labels = {}): number {
    return this.series.get(seriesKey(this.labelNames, labels))?.value ?? 0;
  }

  /** Drops one series (for example when a controller stops). */
  remove(labels: Labels): void {
    this.series.delete(seriesKey(this.labelNames, labels));
  }

  render(): string {
    let out = this.header();
    for (const { labels, value } of this.series.values())
      out += `${this.name}${labelText(this.labelNames, labels)} ${formatNumber(value)}\n`;
    return out;
  }
}

interface HistogramSeries {
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram extends Base<HistogramSeries> {
  readonly type = 'histogram';
  readonly buckets: readonly number[];

  constructor(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]) {
    super(name, help, labelNames);
    this.buckets = [...buckets].sort((a, b) => a - b);
  }

  observe(labels: Labels, value: number): void {
    const s = this.entry(labels, () => ({ counts: this.buckets.map(() => 0), sum: 0, count: 0 })).value;
    s.counts = s.counts.map((c, i) => (value <= (this.buckets[i] ?? Infinity) ? c + 1 : c));
    s.sum += value;
    s.count++;
  }

  /** Number of observations of one series. */
  count(labels: Labels = {}): number {
    return this.series.get(seriesKey(this.labelNames, labels))?.value.count ?? 0;
  }

  render(): string {
    let out = this.header();
    for (const { labels, value } of this.series.values()) {
      this.buckets.forEach((le, i) => {
        out += `${this.name}_bucket${labelText(this.labelNames, labels, ['le', formatNumber(le)])} ${value.counts[i] ?? 0}\n`;
      });
      out += `${this.name}_bucket${labelText(this.labelNames, labels, ['le', '+Inf'])} ${value.count}\n`;
      out += `${this.name}_sum${labelText(this.labelNames, labels)} ${formatNumber(value.sum)}\n`;
      out += `${this.name}_count${labelText(this.labelNames, labels)} ${value.count}\n`;
    }
    return out;
  }
}

export class Registry {
  #metrics = new Map<string, Metric>();

  register<M extends Metric & { name: string }>(metric: M): M {
    if (this.#metrics.has(metric.name)) throw new Error(`metric ${metric.name} is registered twice`);
    this.#metrics.set(metric.name, metric);
    return metric;
  }

  render(): string {
    return [...this.#metrics.values()].map((m) => m.render()).join('');
  }
}

/** Default duration buckets, in seconds: 1 ms to 30 s. */
export const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The relay's metrics, one instance per process. */
export function relayMetrics(registry = new Registry()) {
  const r = registry;
  return {
    registry: r,
    reconciles: r.register(
      new Counter('zeroloop_reconciles_total', 'Reconciles finished, by reconciler and result.', [
        'reconciler',
        'result',
      ]),
    ),
    reconcileDuration: r.register(
      new Histogram(
        'zeroloop_reconcile_duration_seconds',
        'End-to-end reconcile duration: snapshot, worker call, apply.',
        ['reconciler'],
        DURATION_BUCKETS,
      ),
    ),
    reconcilePhase: r.register(
      new Histogram(
        'zeroloop_reconcile_phase_seconds',
        'Time of each phase of a reconcile: queue, request, worker, dry-run, apply, prune-status, finalizer.',
        ['reconciler', 'phase'],
        DURATION_BUCKETS,
      ),
    ),
    workerRequests: r.register(
      new Counter(
        'zeroloop_worker_requests_total',
        'HTTP requests sent to the worker, by reconciler and outcome.',
        ['reconciler', 'outcome'],
      ),
    ),
    workerDuration: r.register(
      new Histogram(
        'zeroloop_worker_request_duration_seconds',
        'Duration of worker calls.',
        ['reconciler'],
        DURATION_BUCKETS,
      ),
    ),
    queueDepth: r.register(
      new Gauge('zeroloop_queue_depth', 'Keys waiting in the work queue (not counting delayed keys).', [
        'reconciler',
      ]),
    ),
    inFlight: r.register(
      new Gauge('zeroloop_reconciles_in_flight', 'Reconciles running now.', ['reconciler']),
    ),
    watchRestarts: r.register(
      new Counter(
        'zeroloop_watch_restarts_total',
        'Watches that ended and were restarted, by kind and reason.',
        ['kind', 'reason'],
      ),
    ),
    relists: r.register(
      new Counter('zeroloop_relists_total', 'Re-lists after 410 Gone or a watch failure, by kind.', ['kind']),
    ),
    watches: r.register(new Gauge('zeroloop_watches', 'Open shared watches.', [])),
    leader: r.register(
      new Gauge(
        'zeroloop_leader',
        '1 while this relay leads (holds the Lease, or runs without election); 0 while it follows.',
        [],
      ),
    ),
    leaderTransitions: r.register(
      new Counter(
        'zeroloop_leader_transitions_total',
        'Leader election transitions of this relay: to=leading (acquired), to=lost (could not renew).',
        ['to'],
      ),
    ),
    watchStalls: r.register(
      new Counter(
        'zeroloop_watch_stalls_total',
        'Watches that delivered neither events nor bookmarks within the stall bound; resumed, by kind.',
        ['kind'],
      ),
    ),
    apiserverErrors: r.register(
      new Counter(
        'zeroloop_apiserver_errors_total',
        'Apiserver calls without a 2xx answer, by verb (method, or WATCH) and code class (network, 4xx, 5xx).',
        ['verb', 'code'],
      ),
    ),
    apiserverReconnects: r.register(
      new Counter(
        'zeroloop_apiserver_reconnects_total',
        'Connections to the apiserver replaced after a network failure or a stalled watch.',
        [],
      ),
    ),
    apiserverReachable: r.register(
      new Gauge(
        'zeroloop_apiserver_reachable',
        '1 while the apiserver answers; 0 once calls and watches have failed for longer than the bound.',
        [],
      ),
    ),
    applyErrors: r.register(
      new Counter('zeroloop_apply_errors_total', 'Failed applies, prunes or status writes.', ['reconciler']),
    ),
    scopeRejections: r.register(
      new Counter('zeroloop_scope_rejections_total', 'Responses rejected by the scope guard.', [
        'reconciler',
      ]),
    ),
    requeueAfter: r.register(
      new Counter(
        'zeroloop_requeue_after_scheduled_total',
        'requeue-after timers scheduled because a reconciler asked.',
        ['reconciler'],
      ),
    ),
    relatedRefused: r.register(
      new Counter(
        'zeroloop_related_refused_total',
        'Related selectors refused (kind not in reads, or out of scope).',
        ['reconciler'],
      ),
    ),
    adoptionsRefused: r.register(
      new Counter(
        'zeroloop_adoptions_refused_total',
        'Desired objects not applied because they exist and the relay did not create them for that primary.',
        ['reconciler'],
      ),
    ),
    ownershipStripped: r.register(
      new Counter(
        'zeroloop_ownership_fields_stripped_total',
        'Answers whose ownerReferences or zeroloop.dev/ labels or annotations the relay removed.',
        ['reconciler'],
      ),
    ),
    limitRejections: r.register(
      new Counter('zeroloop_answer_limit_rejections_total', 'Answers rejected by a limit, by limit.', [
        'reconciler',
        'limit',
      ]),
    ),
    eventsDropped: r.register(
      new Counter(
        'zeroloop_events_dropped_total',
        'Events not recorded: beyond the per-answer cap, or rate-limited per primary.',
        ['reconciler', 'reason'],
      ),
    ),
    requeueClamped: r.register(
      new Counter(
        'zeroloop_requeue_after_clamped_total',
        'requeue-after values raised to the minimum or lowered to the maximum.',
        ['reconciler'],
      ),
    ),
    echoesSuppressed: r.register(
      new Counter(
        'zeroloop_echoes_suppressed_total',
        "Watch events of the relay's own writes that woke nothing.",
        ['reconciler'],
      ),
    ),
    writesSkipped: r.register(
      new Counter(
        'zeroloop_writes_skipped_total',
        'Desired objects whose live copy already held the intent: no request sent.',
        ['reconciler'],
      ),
    ),
    flapping: r.register(
      new Gauge(
        'zeroloop_flapping_primaries',
        'Primaries whose answers keep changing what they apply with no change of their own; slowed down.',
        ['reconciler'],
      ),
    ),
    workerReachable: r.register(
      new Gauge(
        'zeroloop_worker_reachable',
        '1 while the worker answers; 0 while calls cannot reach it (keys parked, worker probed).',
        ['reconciler'],
      ),
    ),
    controllers: r.register(new Gauge('zeroloop_controllers', 'Running controllers.', [])),
    rss: r.register(new Gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', [])),
    heapUsed: r.register(new Gauge('nodejs_heap_size_used_bytes', 'V8 heap in use, in bytes.', [])),
    heapTotal: r.register(new Gauge('nodejs_heap_size_total_bytes', 'V8 heap reserved, in bytes.', [])),
  };
}
export type RelayMetrics = ReturnType<typeof relayMetrics>;
