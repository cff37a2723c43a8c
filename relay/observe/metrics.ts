// The relay's Prometheus metrics: its zeroloop_* series and build info, with client-go's workqueue_* series and the process's own.
import { PROTOCOL_VERSION, WIT_VERSION } from '../../src/protocol/version.ts';
import relayPackage from '../package.json' with { type: 'json' };
import { Counter, DURATION_BUCKETS, Gauge, Histogram, processMetrics, Registry } from './prometheus.ts';
import { workqueueMetrics } from './workqueue-metrics.ts';

/** The relay's build: its package version, the protocol it speaks and the WIT package it expects. */
export const BUILD_INFO = {
  version: relayPackage.version,
  protocol: String(PROTOCOL_VERSION),
  wit: WIT_VERSION,
} as const;

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
