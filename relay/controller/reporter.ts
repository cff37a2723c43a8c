// Turns one controller's reconcile outcomes into Events on the primary, metrics, log lines and the observer streams (the ReconcileRecord, flapping, RBAC refusals).
//
// The one place a reconcile is reported, so every failure leaves a Warning Event, a log line with
// its key and a metric (relay/README.md, "Guarantees"). An Event is recorded without waiting for it
// (a slow apiserver never holds a worker); an observer that throws is logged and skipped.
import type { Trigger } from '../../src/protocol/schemas.ts';
import { ApplyFailed } from '../apply/applier.ts';
import type { EventRecorder, EventSpec } from '../apply/events.ts';
import { ScopeRejected } from '../apply/scope.ts';
import type { Clock } from '../clock.ts';
import { type Forbidden, findForbidden } from '../kube/forbidden.ts';
import type { KObject } from '../kube/object.ts';
import { errorFields, type Logger } from '../observe/log.ts';
import type { RelayMetrics } from '../observe/metrics.ts';
import type { PhaseTimer } from '../observe/phases.ts';
import type { FinalizerPlan } from './finalizer.ts';
import type { FlapTransition } from './flapping.ts';
import { AnswerLimitExceeded } from './limits.ts';
import { failureEvent, type ReconcileRecord, type ReconcileResult, resultOf } from './result.ts';
import type { SyncOutcome, SyncTrace } from './sync.ts';

/** The messages of the reporter's log lines that tools and tests match. */
export const MSG_RECONCILED = 'reconciled';
export const MSG_RECONCILE_FAILED = 'reconcile failed';
export const MSG_FINALIZED = 'finalized';
export const MSG_OBSERVER_FAILED = 'reconcile observer failed';

/** One reconcile, as the reporter needs it. */
export interface ReconcileContext {
  key: string;
  primary: KObject;
  trigger: Trigger;
  /** On the reporter's clock. */
  started: number;
  phases: PhaseTimer;
  /** The reconcile's logger (its key and traceparent). */
  log: Logger;
  /** What the finalizer meant for it. */
  plan: Pick<FinalizerPlan, 'finalizing' | 'finalizer'>;
}

/** What the controller decided after the outcome: the flap detector's view and the retry delay. */
export interface Decided {
  flap: FlapTransition;
  /** The flapping primaries now (for the observers, when `flap` is set). */
  flapping: () => string[];
  /** The backoff of a failed reconcile's retry. */
  retryInMs?: number;
}

export interface ReporterOptions {
  reconciler: string;
  recorder: EventRecorder;
  metrics: RelayMetrics;
  log: Logger;
  clock: Clock;
}

export class Reporter {
  /** Observers of the set of flapping primaries, called when it changes (the Reconciler's Flapping condition). */
  readonly onFlapping = new Set<(keys: string[]) => void>();
  /** Observers of finished reconciles (npm start's readable log line, tests). */
  readonly onReconcile = new Set<(r: ReconcileRecord) => void>();
  /**
   * Observers of RBAC refusals on writes (the Reconciler's Ready=False Forbidden): called with the
   * refusal when a reconcile fails on one, and with undefined when a reconcile succeeds after it.
   */
  readonly onWriteForbidden = new Set<(error: Forbidden | undefined) => void>();
  #o: ReporterOptions;
  #m: RelayMetrics;
  #labels: { reconciler: string };
  #writeForbidden: Forbidden | undefined;

  constructor(options: ReporterOptions) {
    this.#o = options;
    this.#m = options.metrics;
    this.#labels = { reconciler: options.reconciler };
    this.#m.workerReachable.set(this.#labels, 1);
  }

  // ── the work loop's gauges ────────────────────────────────────────────────────────────────────

  queueDepth(depth: number): void {
    this.#m.queueDepth.set(this.#labels, depth);
  }

  /** A worker took (+1) or finished (−1) a key. */
  busy(delta: 1 | -1): void {
    if (delta > 0) this.#m.inFlight.inc(this.#labels);
    else this.#m.inFlight.dec(this.#labels);
  }

  echoSuppressed(): void {
    this.#m.echoesSuppressed.inc(this.#labels);
  }

  workerReachable(reachable: boolean): void {
    this.#m.workerReachable.set(this.#labels, reachable ? 1 : 0);
  }

  /** A deleted primary stopped flapping. */
  flappingForgotten(flapping: string[]): void {
    this.#m.flapping.dec(this.#labels);
    this.#flappingChanged(flapping);
  }

  /** The controller stopped: its per-Reconciler gauges go. */
  stopped(): void {
    this.#m.queueDepth.remove(this.#labels);
    this.#m.inFlight.remove(this.#labels);
    this.#m.workerReachable.remove(this.#labels);
  }

  // ── one reconcile ─────────────────────────────────────────────────────────────────────────────

  /** Reports a reconcile that ran (a skipped or parked key is not a reconcile). */
  reconciled(c: ReconcileContext, outcome: SyncOutcome, decided: Decided): void {
    const { trace } = outcome;
    const events: EventSpec[] = [];
    this.#findings(c, trace, events);
    if (trace.answered) this.#answered(c, trace, decided, events);
    let result: ReconcileResult = 'success';
    if (outcome.type === 'reconciled') this.#succeeded(c, trace);
    else result = this.#failed(c, outcome.error, decided.retryInMs, events);
    const durationMs = this.#o.clock.now() - c.started;
    this.#m.reconciles.inc({ ...this.#labels, result });
    this.#m.reconcileDuration.observe(this.#labels, durationMs / 1000);
    for (const [phase, ms] of Object.entries(c.phases.ms))
      this.#m.reconcilePhase.observe({ ...this.#labels, phase }, ms / 1000);
    if (this.onReconcile.size === 0) return;
    const last = trace.calls.at(-1);
    this.#notify({
      reconciler: this.#o.reconciler,
      key: c.key,
      trigger: c.trigger,
      result,
      startedAt: c.started,
      durationMs,
      phasesMs: c.phases.rounded(),
      calls: trace.calls,
      ...(last && { request: last.request }),
      ...(last?.answer && { answer: last.answer }),
      applied: trace.applied,
      pruned: trace.pruned,
      statusWritten: trace.statusWritten,
      ...(outcome.type === 'reconciled' && outcome.requeueAfterMs !== null
        ? { requeueAfterMs: outcome.requeueAfterMs }
        : {}),
      ...(decided.retryInMs !== undefined && { retryInMs: decided.retryInMs }),
      events,
      ...(outcome.type === 'failed' && { error: errorFields(outcome.error) }),
    });
  }

  /** What the first apply pass found: ownership fields stripped, adoptions refused. */
  #findings(c: ReconcileContext, trace: SyncTrace, events: EventSpec[]): void {
    if (trace.stripped.length > 0) {
      this.#m.ownershipStripped.inc(this.#labels);
      const message = `the relay sets ownership itself; removed from the answer: ${trace.stripped.join('; ')}`;
      c.log.warn('ownership fields stripped', { stripped: trace.stripped });
      this.#event(c, { type: 'Warning', reason: 'OwnershipFieldsStripped', message }, events);
    }
    for (const refusal of trace.refused) {
      this.#m.adoptionsRefused.inc(this.#labels);
      c.log.warn('adoption refused', { object: refusal.object, reason: refusal.reason });
      this.#event(c, { type: 'Warning', reason: 'AdoptionRefused', message: refusal.reason }, events);
    }
  }

  /** The applied answer: its Events (capped), flapping, refused selectors. */
  #answered(c: ReconcileContext, trace: SyncTrace, decided: Decided, events: EventSpec[]): void {
    const { bounded, selectorsRefused } = trace.answered ?? { bounded: undefined, selectorsRefused: [] };
    if (!bounded) return;
    this.#m.writesSkipped.inc(this.#labels, trace.unchanged);
    for (const event of bounded.events) this.#event(c, event, events);
    if (bounded.droppedEvents > 0) {
      this.#m.eventsDropped.inc({ ...this.#labels, reason: 'answer_cap' }, bounded.droppedEvents);
      // Capped: the Events kept are exactly spec.limits.maxEventsPerAnswer.
      const max = bounded.events.length;
      const message = `${bounded.droppedEvents} more Events in this answer were dropped: spec.limits.maxEventsPerAnswer is ${max}`;
      this.#event(c, { type: 'Warning', reason: 'TooManyEvents', message }, events);
    }
    if (decided.flap === 'started') {
      this.#m.flapping.inc(this.#labels);
      const message =
        'every recent reconcile changed what the relay writes while the primary did not change (a reconciler ' +
        'whose output is not stable, or another controller fighting over a field); its reconciles are slowed down';
      c.log.warn('primary flapping', {});
      this.#event(c, { type: 'Warning', reason: 'Flapping', message }, events);
    } else if (decided.flap === 'stopped') {
      this.#m.flapping.dec(this.#labels);
      c.log.info('primary no longer flapping', {});
    }
    if (decided.flap !== undefined) this.#flappingChanged(decided.flapping());
    if (selectorsRefused.length > 0) {
      this.#m.relatedRefused.inc(this.#labels, selectorsRefused.length);
      const message = `related selectors refused: ${selectorsRefused.join('; ')}; add the kind to the Reconciler's reads or fix the reconciler`;
      c.log.warn('related selectors refused', { refused: selectorsRefused });
      this.#event(c, { type: 'Warning', reason: 'RelatedSelectorRefused', message }, events);
    }
  }

  #succeeded(c: ReconcileContext, trace: SyncTrace): void {
    if (trace.finalized) c.log.info(MSG_FINALIZED, { finalizer: c.plan.finalizer });
    const bounded = trace.answered?.bounded;
    if (bounded?.requeueClamped) this.#m.requeueClamped.inc(this.#labels);
    if (bounded && bounded.requeueAfterMs !== null) this.#m.requeueAfter.inc(this.#labels);
    if (this.#writeForbidden) {
      this.#writeForbidden = undefined;
      for (const observer of this.onWriteForbidden) observer(undefined);
    }
    c.log.info(MSG_RECONCILED, {
      trigger: c.trigger.type,
      ...(c.trigger.type === 'external' && { hook: c.trigger.hook, delivery: c.trigger.delivery }),
      applied: trace.applied,
      unchanged: trace.unchanged,
      refused: trace.refused.length,
      calls: trace.calls.length,
      related: trace.related,
      finalizing: c.plan.finalizing,
      pruned: trace.pruned,
      statusWritten: trace.statusWritten,
      ...(trace.statusOwed && { statusOwed: true }),
      requeueAfterMs: trace.answered?.requeueAfterMs ?? null,
      durationMs: this.#o.clock.now() - c.started,
      phasesMs: c.phases.rounded(),
    });
  }

  /** A failed reconcile: metrics, a log line, a Warning Event, an RBAC refusal's observers. */
  #failed(
    c: ReconcileContext,
    error: unknown,
    retryInMs: number | undefined,
    events: EventSpec[],
  ): ReconcileResult {
    const result = resultOf(error);
    if (error instanceof ScopeRejected) this.#m.scopeRejections.inc(this.#labels);
    if (error instanceof ApplyFailed) this.#m.applyErrors.inc(this.#labels);
    if (error instanceof AnswerLimitExceeded)
      this.#m.limitRejections.inc({ ...this.#labels, limit: error.limit });
    c.log.warn(MSG_RECONCILE_FAILED, {
      trigger: c.trigger.type,
      ...(c.trigger.type === 'external' && { hook: c.trigger.hook, delivery: c.trigger.delivery }),
      result,
      error,
      retryInMs,
      durationMs: this.#o.clock.now() - c.started,
    });
    this.#event(c, failureEvent(error), events);
    const forbidden = findForbidden(error);
    if (forbidden) {
      this.#writeForbidden = forbidden;
      for (const observer of this.onWriteForbidden) observer(forbidden);
    }
    return result;
  }

  #flappingChanged(keys: string[]): void {
    for (const observer of this.onFlapping) observer(keys);
  }

  /** Calls each reconcile observer; one that throws is logged, never breaks the reconcile loop. */
  #notify(record: ReconcileRecord): void {
    for (const observer of this.onReconcile) {
      try {
        observer(record);
      } catch (error) {
        this.#o.log.error(MSG_OBSERVER_FAILED, { key: record.key, error });
      }
    }
  }

  /** Records `event` on the primary (not waited for); `events` collects it for the ReconcileRecord. */
  #event(c: ReconcileContext, event: EventSpec, events: EventSpec[]): void {
    events.push(event);
    void this.#o.recorder.recordOrLog(c.primary, event, c.log).then((recorded) => {
      if (recorded === 'rate-limited') this.#m.eventsDropped.inc({ ...this.#labels, reason: 'rate_limited' });
    });
  }
}
