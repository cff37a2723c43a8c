// The relay's Prometheus metrics through prom-client: its zeroloop_* series, client-go's workqueue_* series, build info, and the process's own.
import type { CounterConfiguration, GaugeConfiguration, HistogramConfiguration } from 'prom-client';
import * as prom from 'prom-client';
import { PROTOCOL_VERSION, WIT_VERSION } from '../../src/protocol/version.ts';
import relayPackage from '../package.json' with { type: 'json' };

type Labels = Record<string, string>;

/** What the relay's metric classes have in common: a name and the prom-client metric behind it. */
interface Metric {
  readonly name: string;
  readonly metric: prom.Metric;
}

/** Sum of the values of a prom-client metric's series whose labels include `labels`, from its `get()`. */
async function valueOf(metric: prom.Metric, labels: Labels, suffix = ''): Promise<number> {
  // A histogram's values carry the series name (`_bucket`, `_sum`, `_count`).
  const values: readonly (prom.MetricValue<string> & { metricName?: string })[] = (await metric.get()).values;
  return values
    .filter((v) => (suffix === '' || v.metricName?.endsWith(suffix) === true) && matches(v.labels, labels))
    .reduce((sum, v) => sum + v.value, 0);
}

function matches(have: Partial<Record<string, string | number>>, want: Labels): boolean {
  return Object.entries(want).every(([k, v]) => String(have[k]) === v);
}

export class Counter implements Metric {
  readonly name: string;
  readonly metric: prom.Counter;

  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    this.name = name;
    const config: CounterConfiguration<string> = { name, help, labelNames, registers: [] };
    this.metric = new prom.Counter(config);
  }

  inc(labels: Labels = {}, by = 1): void {
    if (by < 0) throw new Error(`counter ${this.name} cannot decrease`);
    this.metric.inc(labels, by);
  }

  /** The value of one series (tests; a scrape reads the registry). */
  get(labels: Labels = {}): Promise<number> {
    return valueOf(this.metric, labels);
  }
}

export class Gauge implements Metric {
  readonly name: string;
  readonly metric: prom.Gauge;

  /** `collect` runs at each scrape, before the gauge is read (values computed then, not kept current by a timer). */
  constructor(name: string, help: string, labelNames: readonly string[] = [], collect?: (g: Gauge) => void) {
    this.name = name;
    const config: GaugeConfiguration<string> = { name, help, labelNames, registers: [] };
    if (collect)
      config.collect = () => {
        collect(this);
      };
    this.metric = new prom.Gauge(config);
  }

  set(labels: Labels, value: number): void {
    this.metric.set(labels, value);
  }

  inc(labels: Labels = {}, by = 1): void {
    this.metric.inc(labels, by);
  }

  dec(labels: Labels = {}, by = 1): void {
    this.metric.dec(labels, by);
  }

  get(labels: Labels = {}): Promise<number> {
    return valueOf(this.metric, labels);
  }

  /** Drops one series (for example when a controller stops). */
  remove(labels: Labels): void {
    this.metric.remove(labels);
  }
}

export class Histogram implements Metric {
  readonly name: string;
  readonly metric: prom.Histogram;

  constructor(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]) {
    this.name = name;
    const config: HistogramConfiguration<string> = {
      name,
      help,
      labelNames,
      buckets: [...buckets],
      registers: [],
    };
    this.metric = new prom.Histogram(config);
  }

  observe(labels: Labels, value: number): void {
    this.metric.observe(labels, value);
  }

  /** Number of observations of one series. */
  count(labels: Labels = {}): Promise<number> {
    return valueOf(this.metric, labels, '_count');
  }

  remove(labels: Labels): void {
    this.metric.remove(labels);
  }
}

let processRegistry: prom.Registry | undefined;

/**
 * prom-client's default metrics (process_cpu_seconds_total, process_start_time_seconds, process_open_fds,
 * process_resident_memory_bytes, nodejs_eventloop_lag_*, nodejs_gc_duration_seconds, nodejs_heap_*, …),
 * collected once per process: several relays in one process (tests, `npm start`) share them.
 */
export function processMetrics(): prom.Registry {
  if (!processRegistry) {
    processRegistry = new prom.Registry();
    // The event-loop delay histogram samples every 20 ms (prom-client's default is 10 ms): half the
    // wake-ups of an idle relay, still resolving any lag worth an alert.
    prom.collectDefaultMetrics({ register: processRegistry, eventLoopMonitoringPrecision: 20 });
  }
  return processRegistry;
}

export class Registry {
  readonly #registry = new prom.Registry();
  readonly #names = new Set<string>();
  readonly #withProcess: boolean;

  /** `withProcess`: render the process's default metrics first (false: only what is registered here). */
  constructor(options: { withProcess?: boolean } = {}) {
    this.#withProcess = options.withProcess ?? true;
  }

  register<M extends Metric>(metric: M): M {
    if (this.#names.has(metric.name)) throw new Error(`metric ${metric.name} is registered twice`);
    this.#names.add(metric.name);
    this.#registry.registerMetric(metric.metric);
    return metric;
  }

  /** The Prometheus text exposition (format 0.0.4) of the process's metrics and these. */
  async render(): Promise<string> {
    const own = await this.#registry.metrics();
    if (!this.#withProcess) return own;
    const process = await processMetrics().metrics();
    return `${process.endsWith('\n') ? process : `${process}\n`}${own}`;
  }
}

/** Default duration buckets, in seconds: 1 ms to 30 s. */
export const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** client-go's workqueue duration buckets: 1 µs to 10 s, ×10 (`prometheus.ExponentialBuckets(10e-9, 10, 10)`). */
export const WORKQUEUE_BUCKETS = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10];

/** The relay's build: its package version, the protocol it speaks and the WIT package it expects. */
export const BUILD_INFO = {
  version: relayPackage.version,
  protocol: String(PROTOCOL_VERSION),
  wit: WIT_VERSION,
} as const;

/**
 * What a work queue's metrics provider offers (queue/metrics.ts' WorkQueueMetricsProvider, which this
 * satisfies structurally: observe/ sits below queue/ and imports nothing from it).
 */
interface WorkqueueProvider {
  newDepthMetric(name: string): { inc(): void; dec(by?: number): void };
  newAddsMetric(name: string): { inc(): void };
  newLatencyMetric(name: string): { observe(seconds: number): void };
  newWorkDurationMetric(name: string): { observe(seconds: number): void };
  newRetriesMetric(name: string): { inc(): void };
  newUnfinishedWorkSecondsMetric(name: string, read: () => number): void;
  newLongestRunningProcessorSecondsMetric(name: string, read: () => number): void;
  deleteMetrics(name: string): void;
}

/**
 * client-go's workqueue metrics (`k8s.io/component-base/metrics/prometheus/workqueue`), label `name` =
 * the queue's name (a Reconciler's name for its controller's queue).
 */
function workqueueMetrics(r: Registry): WorkqueueProvider {
  const depth = r.register(new Gauge('workqueue_depth', 'Current depth of workqueue', ['name']));
  const adds = r.register(
    new Counter('workqueue_adds_total', 'Total number of adds handled by workqueue', ['name']),
  );
  const latency = r.register(
    new Histogram(
      'workqueue_queue_duration_seconds',
      'How long in seconds an item stays in workqueue before being requested.',
      ['name'],
      WORKQUEUE_BUCKETS,
    ),
  );
  const work = r.register(
    new Histogram(
      'workqueue_work_duration_seconds',
      'How long in seconds processing an item from workqueue takes.',
      ['name'],
      WORKQUEUE_BUCKETS,
    ),
  );
  const retries = r.register(
    new Counter('workqueue_retries_total', 'Total number of retries handled by workqueue', ['name']),
  );
  const unfinishedReaders = new Map<string, () => number>();
  const longestReaders = new Map<string, () => number>();
  const readAll = (readers: Map<string, () => number>) => (g: Gauge) => {
    for (const [name, read] of readers) g.set({ name }, read());
  };
  const unfinished = r.register(
    new Gauge(
      'workqueue_unfinished_work_seconds',
      "How many seconds of work has done that is in progress and hasn't been observed by work_duration. Large values indicate stuck threads. One can deduce the number of stuck threads by observing the rate at which this increases.",
      ['name'],
      readAll(unfinishedReaders),
    ),
  );
  const longest = r.register(
    new Gauge(
      'workqueue_longest_running_processor_seconds',
      'How many seconds has the longest running processor for workqueue been running.',
      ['name'],
      readAll(longestReaders),
    ),
  );
  return {
    // client-go's provider creates each series when the queue is made (WithLabelValues): 0, not absent.
    newDepthMetric: (name) => {
      depth.set({ name }, 0);
      return {
        inc: () => {
          depth.inc({ name });
        },
        dec: (by = 1) => {
          depth.dec({ name }, by);
        },
      };
    },
    newAddsMetric: (name) => {
      adds.inc({ name }, 0);
      return {
        inc: () => {
          adds.inc({ name });
        },
      };
    },
    newLatencyMetric: (name) => {
      latency.metric.zero({ name });
      return {
        observe: (seconds) => {
          latency.observe({ name }, seconds);
        },
      };
    },
    newWorkDurationMetric: (name) => {
      work.metric.zero({ name });
      return {
        observe: (seconds) => {
          work.observe({ name }, seconds);
        },
      };
    },
    newRetriesMetric: (name) => {
      retries.inc({ name }, 0);
      return {
        inc: () => {
          retries.inc({ name });
        },
      };
    },
    newUnfinishedWorkSecondsMetric: (name, read) => {
      unfinishedReaders.set(name, read);
    },
    newLongestRunningProcessorSecondsMetric: (name, read) => {
      longestReaders.set(name, read);
    },
    deleteMetrics: (name) => {
      unfinishedReaders.delete(name);
      longestReaders.delete(name);
      for (const m of [depth, adds, latency, work, retries, unfinished, longest]) m.metric.remove({ name });
    },
  };
}

/** The relay's metrics, one instance per relay. */
export function relayMetrics(registry = new Registry()) {
  const r = registry;
  // Started with the first relay rather than at its first scrape: GC and event-loop delay from the start.
  processMetrics();
  const buildInfo = r.register(
    new Gauge(
      'zeroloop_build_info',
      "1, labelled with the relay's version, the protocol version it speaks and the WIT package version it expects.",
      ['version', 'protocol', 'wit'],
    ),
  );
  buildInfo.set(BUILD_INFO, 1);
  return {
    registry: r,
    buildInfo,
    /** client-go's workqueue_* metrics, for the queues' `metricsProvider`. */
    workqueue: workqueueMetrics(r),
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
    reconcilerReady: r.register(
      new Gauge(
        'zeroloop_reconciler_ready',
        "1 while the Reconciler's Ready condition is True, 0 while it is False; reason as the condition's (Running, Forbidden, IncompatibleWorker, SigningSecretUnavailable, InvalidSpec).",
        ['reconciler', 'reason'],
      ),
    ),
  };
}
export type RelayMetrics = ReturnType<typeof relayMetrics>;

/**
 * Creates the series of one Reconciler at 0 (as client-go's metrics exist from the queue's creation), so a
 * dashboard and `rate()`/`increase()` see 0 rather than no data until the first failure of each kind.
 */
export function initializeReconcilerSeries(m: RelayMetrics, reconciler: string): void {
  const labels = { reconciler };
  m.reconciles.inc({ ...labels, result: 'success' }, 0);
  m.workerRequests.inc({ ...labels, outcome: 'ok' }, 0);
  for (const c of [
    m.applyErrors,
    m.scopeRejections,
    m.requeueAfter,
    m.relatedRefused,
    m.adoptionsRefused,
    m.ownershipStripped,
    m.requeueClamped,
    m.echoesSuppressed,
    m.writesSkipped,
  ])
    c.inc(labels, 0);
  for (const limit of ['maxAnswerBytes', 'maxDesiredObjects', 'maxStatusBytes'])
    m.limitRejections.inc({ ...labels, limit }, 0);
  for (const reason of ['answer_cap', 'rate_limited']) m.eventsDropped.inc({ ...labels, reason }, 0);
  m.flapping.set(labels, 0);
}

/** Creates the series of a watched kind at 0 (see initializeReconcilerSeries): re-lists, stalls, restarts by reason. */
export function initializeKindSeries(m: RelayMetrics, kind: string, restartReasons: readonly string[]): void {
  m.relists.inc({ kind }, 0);
  m.watchStalls.inc({ kind }, 0);
  for (const reason of restartReasons) m.watchRestarts.inc({ kind, reason }, 0);
}
