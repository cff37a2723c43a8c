// Runs one Reconciler: informers → triggers → work queue → dispatcher → scope guard → applier, with no resync.
//
// Guarantees (relay/README.md, "Guarantees"):
// - level-triggered: each call carries the primary and its owned objects as the cache holds them;
// - one reconcile at a time per primary, events during it coalesce into exactly one more;
// - at start each existing primary is reconciled once; afterwards only watch deltas, failures
//   (per-key backoff, Retry-After) and requeue-after timers that the reconciler asked for enqueue;
// - one reconcile per change: the watch events of the relay's own writes wake nothing (echoes.ts),
//   and writes that would change nothing are not sent (apply/intent.ts);
// - an answer is bounded (limits.ts) and never adopts: ownership is the relay's (apply/ownership.ts);
// - any failure leaves a Warning Event on the primary, a log line with its key and a metric, and
//   the key is retried: it is never dropped;
// - related objects: an answer's selectors decide which shared watches feed the next request and
//   which changes wake the primary (related-watches.ts); finalizers: finalizer.ts, relay/README.md.
import { kindId, refOf } from '../../src/keys.ts';
import type { ReconcileResponse, Trigger } from '../../src/protocol/schemas.ts';
import { ApplyFailed, type Applier, type ApplyResult } from '../apply/applier.ts';
import type { EventRecorder, EventSpec } from '../apply/events.ts';
import { identity, stamp, stampedByOther } from '../apply/ownership.ts';
import { withIntent } from '../apply/intent.ts';
import { checkScope, ScopeRejected } from '../apply/scope.ts';
import type { Clock } from '../clock.ts';
import { realClock, sleep } from '../clock.ts';
import type { ControllerConfig } from '../api/reconciler.ts';
import type { Dispatcher } from '../dispatch/dispatcher.ts';
import { ALWAYS_LEADING, type Leadership, whenLeading } from '../election/leadership.ts';
import { newTraceparent } from '../dispatch/dispatcher.ts';
import { DispatchError } from '../dispatch/errors.ts';
import { buildRequest } from '../dispatch/snapshot.ts';
import { KubeApiError, type KubeClient } from '../kube/client.ts';
import type { Discovery, ResourceInfo } from '../kube/discovery.ts';
import { type Forbidden, findForbidden } from '../kube/forbidden.ts';
import type { KindScope } from '../watch/list-watch.ts';
import type { KObject } from '../kube/object.ts';
import { errorFields, type Logger } from '../observe/log.ts';
import type { RelayMetrics } from '../observe/metrics.ts';
import type { BackoffOptions } from '../queue/rate-limited.ts';
import { RateLimitingQueue } from '../queue/rate-limited.ts';
import type { InformerFactory } from '../watch/informer.ts';
import { type Delta, storeKey } from '../watch/store.ts';
import { ControllerCaches } from './caches.ts';
import { ownedAfter } from './after-apply.ts';
import { Echoes } from './echoes.ts';
import { FlapDetector } from './flapping.ts';
import { AnswerLimitExceeded, bound } from './limits.ts';
import { addFinalizer, type FinalizerTarget, planFinalizer, removeFinalizer } from './finalizer.ts';
import { type ControllerKinds, discoverKinds } from './kinds.ts';
import { ownedTriggers, primaryTriggers } from './predicates.ts';
import type { ResolvedSelector } from './related.ts';
import { resolveSelectors, selectorsKey } from './related.ts';
import { RelatedWatches } from './related-watches.ts';
import {
  failureEvent,
  type ReconcileRecord,
  type ReconcileResult,
  resultOf,
  type WorkerExchange,
} from './result.ts';
import { callWorker, probeWorker, type WorkerCallDeps } from './worker-call.ts';
import { OutageGate } from './outage-gate.ts';
import { PhaseTimer } from '../observe/phases.ts';

export type { ReconcileRecord, ReconcileResult, WorkerExchange } from './result.ts';

export interface ControllerDeps {
  client: KubeClient;
  discovery: Discovery;
  informers: InformerFactory;
  dispatcher: Dispatcher;
  applier: Applier;
  recorder: EventRecorder;
  metrics: RelayMetrics;
  log: Logger;
  clock?: Clock;
  backoff?: BackoffOptions;
  /** Leader election: a follower syncs its caches and starts no worker. Default: always leading. */
  leadership?: Leadership;
}

/** A watch delta that may wake primaries, judged once its primaries' reconciles are done. */
interface Wake {
  delta: Delta;
  keys: string[];
  trigger: Trigger;
}

/** What one worker call (or two, when the selectors changed) answered. */
interface Answer {
  response: ReconcileResponse;
  /** The related objects the last request carried. */
  related: KObject[];
  selectors: { resolved: ResolvedSelector[]; refused: string[] };
}

export class Controller {
  readonly config: ControllerConfig;
  readonly queue: RateLimitingQueue;
  #d: ControllerDeps;
  #clock: Clock;
  #log: Logger;
  #labels: { reconciler: string };
  #worker: WorkerCallDeps;
  #kinds: ControllerKinds | undefined;
  #caches: ControllerCaches;
  #related: RelatedWatches;
  #triggers = new Map<string, Trigger>();
  #echoes = new Echoes();
  #flaps = new FlapDetector();
  /** Primaries being reconciled → wakes that arrived meanwhile (judged after the apply). */
  #inFlight = new Map<string, Wake[]>();
  /** The worker and the apiserver: while either is unreachable, keys are parked, not tried. */
  #gates: { worker: OutageGate; apiserver: OutageGate };
  /** When each queued key became ready (performance.now()), for the queue-wait phase. */
  #queuedAt = new Map<string, number>();
  #workers: Promise<void>[] = [];
  #stopping = new AbortController();
  #synced = false;
  #cachesSynced = false;
  /** Observers of the set of flapping primaries, called when it changes (the Reconciler's Flapping condition). */
  readonly onFlapping = new Set<(keys: string[]) => void>();
  /** Observers of finished reconciles (npm start's readable log line, tests). */
  readonly onReconcile = new Set<(r: ReconcileRecord) => void>();
  /**
   * Observers of RBAC refusals on writes (the Reconciler's Ready=False Forbidden): called with the
   * refusal when a reconcile fails on one, and with undefined when a reconcile succeeds after it.
   */
  readonly onWriteForbidden = new Set<(error: Forbidden | undefined) => void>();
  #writeForbidden: Forbidden | undefined;

  constructor(config: ControllerConfig, deps: ControllerDeps) {
    this.config = config;
    this.#d = deps;
    this.#clock = deps.clock ?? realClock;
    this.queue = new RateLimitingQueue({
      clock: this.#clock,
      name: config.name,
      metricsProvider: deps.metrics.workqueue,
      ...(deps.backoff ? { backoff: deps.backoff } : {}),
      // A delayed key keeps the trigger of the failure it retries; a requeue-after has none.
      onReady: (key) => {
        if (!this.#triggers.has(key)) this.#triggers.set(key, { type: 'requeue' });
        if (!this.#queuedAt.has(key)) this.#queuedAt.set(key, performance.now());
      },
    });
    this.#labels = { reconciler: config.name };
    this.#log = deps.log.child({ reconciler: config.name });
    this.#worker = {
      config,
      dispatcher: deps.dispatcher,
      metrics: deps.metrics,
      clock: this.#clock,
      labels: this.#labels,
    };
    this.#caches = new ControllerCaches(deps.informers);
    const gate = (what: 'worker' | 'apiserver', probe: () => Promise<boolean>, gauge?: (v: number) => void) =>
      new OutageGate({
        clock: this.#clock,
        probe,
        release: (keys) => {
          this.#log.info(`${what} reachable again; releasing parked primaries`, { parked: keys.length });
          for (const key of keys) this.queue.add(key);
        },
        onChange: (open) => {
          gauge?.(open ? 1 : 0);
          if (!open) this.#log.warn(`${what} unreachable; parking primaries and probing it`, {});
        },
      });
    this.#gates = {
      worker: gate(
        'worker',
        () => probeWorker(config.spec.endpoint),
        (v) => {
          deps.metrics.workerReachable.set(this.#labels, v);
        },
      ),
      apiserver: gate('apiserver', () =>
        deps.client.request('GET', '/version', { timeoutMs: 2000 }).then(
          () => true,
          () => false,
        ),
      ),
    };
    deps.metrics.workerReachable.set(this.#labels, 1);
    this.#related = new RelatedWatches({
      informers: deps.informers,
      signal: this.#stopping.signal,
      wake: (keys, delta) => {
        this.#judge({ delta, keys, trigger: { type: 'related', ref: refOf(delta.object) } });
      },
    });
  }

  /** Workers running: caches synced and this relay leads. */
  get synced(): boolean {
    return this.#synced;
  }

  /** How many primaries are being reconciled now. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** The keys of the primaries cached now. */
  primaryKeys(): string[] {
    return this.#caches.primaryKeys();
  }

  /**
   * Enqueues every cached primary (trigger `primary` unless one is pending), as after a start: for a
   * new build of the reconciler (`zeroloop dev`). Returns how many were enqueued.
   */
  reconcileAll(): number {
    const keys = this.#caches.primaryKeys();
    for (const key of keys) {
      if (!this.#triggers.has(key)) this.#triggers.set(key, { type: 'primary' });
      this.queue.add(key);
    }
    return keys.length;
  }

  /** Caches synced (a follower's caches are warm, though it runs no worker). */
  get cachesSynced(): boolean {
    return this.#cachesSynced;
  }

  // ── lifecycle ────────────────────────────────────────────────────────────────────────────────

  /**
   * Resolves the kinds (retrying with backoff until they exist), starts the informers and the
   * workers, waits for the caches, then enqueues every existing primary once.
   */
  async start(): Promise<void> {
    const signal = this.#stopping.signal;
    const spec = this.config.spec;
    const kinds = await discoverKinds({
      discovery: this.#d.discovery,
      spec,
      clock: this.#clock,
      log: this.#log,
      signal,
    });
    // stop() may have run while discovery was pending: acquire nothing then.
    if (!kinds || signal.aborted) return;
    this.#kinds = kinds;
    const namespaces = spec.namespaces.length > 0 ? spec.namespaces : [undefined];
    const scopesOf = (r: ResourceInfo): KindScope[] =>
      r.namespaced
        ? namespaces.map((namespace) => ({ apiVersion: r.apiVersion, kind: r.kind, namespace }))
        : [r];
    for (const scope of scopesOf(kinds.primary))
      this.#caches.watchPrimaries(scope, (d) => {
        this.#onPrimary(d);
      });
    for (const r of kinds.owns.values())
      for (const scope of scopesOf(r))
        this.#caches.watchOwned(scope, (d) => {
          this.#onOwned(d);
        });
    // Workers start once every cache is synced, so no reconcile sees a half-listed world.
    await this.#caches.waitForSync(signal);
    if (this.#stopping.signal.aborted) return;
    this.#cachesSynced = true;
    // A follower stops here with warm caches: it reconciles nothing until it leads. Keys that its
    // watches enqueue meanwhile wait in the queue (deduplicated), and every primary is enqueued below.
    if (!(await whenLeading(this.#d.leadership ?? ALWAYS_LEADING, signal))) return;
    // Every existing primary once (keys already queued by the initial list deduplicate), THEN the
    // workers: a worker takes a key synchronously, so enqueueing after would run it twice.
    for (const key of this.#caches.primaryKeys()) this.#enqueue(key, { type: 'primary' });
    for (let i = 0; i < spec.concurrency; i++) this.#workers.push(this.#work());
    this.#synced = true;
    this.#log.info('controller started', {
      primary: kindId(spec.primary),
      owns: spec.owns.map(kindId),
      namespaces: spec.namespaces,
      primaries: this.#caches.primaryCount,
    });
  }

  /** Stops taking work, lets in-flight reconciles finish within `deadlineMs`, releases the watches. */
  async stop(deadlineMs = 10_000): Promise<void> {
    this.#stopping.abort();
    this.#gates.worker.stop();
    this.#gates.apiserver.stop();
    this.#caches.unsubscribe();
    this.queue.shutDown();
    const finished = await Promise.race([
      Promise.all(this.#workers).then(() => true),
      sleep(this.#clock, deadlineMs).then(() => false),
    ]);
    if (!finished)
      this.#log.warn('stop deadline passed with reconciles in flight', { inFlight: this.queue.processing });
    await this.#caches.release();
    await this.#related.releaseAll();
    this.#d.metrics.queueDepth.remove(this.#labels);
    this.#d.metrics.inFlight.remove(this.#labels);
    this.#d.metrics.workerReachable.remove(this.#labels);
  }

  // ── watch: deltas → triggers ─────────────────────────────────────────────────────────────────

  #onPrimary(delta: Delta): void {
    const key = storeKey(delta.object);
    if (primaryTriggers(delta)) this.#enqueue(key, { type: 'primary' });
    if (delta.type === 'deleted') {
      void this.#related.set(key, []);
      if (this.#flaps.forget(key)) {
        this.#d.metrics.flapping.dec(this.#labels);
        for (const observer of this.onFlapping) observer(this.#flaps.keys());
      }
    }
  }

  #onOwned(delta: Delta): void {
    // Another Reconciler of the same primary kind stamped it: its children are not ours.
    if (stampedByOther(delta.object, this.config.spec.reconciler)) return;
    const keys: string[] = [];
    for (const uid of ownedTriggers(delta)) {
      const primary = this.#caches.primaryByUid(uid);
      if (primary) keys.push(storeKey(primary));
    }
    if (keys.length > 0) this.#judge({ delta, keys, trigger: { type: 'owned', ref: refOf(delta.object) } });
    else if (delta.type === 'deleted') this.#echoes.forget([delta.object]);
  }

  /**
   * Enqueues the primaries a delta wakes, unless it is the echo of the relay's own write. While
   * one of them is being reconciled the delta is held: the apply's answer (the resourceVersion to
   * recognise) may come after the watch event.
   */
  #judge(wake: Wake): void {
    const held = wake.keys.map((k) => this.#inFlight.get(k)).find((w) => w !== undefined);
    if (held) {
      held.push(wake);
      return;
    }
    if (this.#echoes.isEcho(wake.delta)) {
      this.#d.metrics.echoesSuppressed.inc(this.#labels);
      return;
    }
    for (const key of wake.keys) this.#enqueue(key, wake.trigger);
  }

  // ── queue → workers ──────────────────────────────────────────────────────────────────────────

  #enqueue(key: string, trigger: Trigger): void {
    if (!this.#triggers.has(key)) this.#triggers.set(key, trigger);
    if (!this.#queuedAt.has(key)) this.#queuedAt.set(key, performance.now());
    // A flapping primary waits longer before each reconcile.
    if (this.#flaps.isFlapping(key)) this.queue.addAfter(key, this.#flaps.slowed(key));
    else this.queue.add(key);
    this.#d.metrics.queueDepth.set(this.#labels, this.queue.length);
  }

  async #work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      this.#d.metrics.queueDepth.set(this.#labels, this.queue.length);
      this.#d.metrics.inFlight.inc(this.#labels);
      this.#inFlight.set(key, []);
      const phases = new PhaseTimer();
      const queuedAt = this.#queuedAt.get(key);
      this.#queuedAt.delete(key);
      if (queuedAt !== undefined) phases.add('queue', performance.now() - queuedAt);
      try {
        await this.#reconcile(key, phases);
      } catch (error) {
        // #reconcile handles its failures; this is a bug guard so a worker loop never dies.
        this.#log.error('unexpected reconcile failure', { key, error });
        this.queue.addRateLimited(key);
      } finally {
        const held = this.#inFlight.get(key) ?? [];
        this.#inFlight.delete(key);
        for (const wake of held) this.#judge(wake);
        this.#d.metrics.inFlight.dec(this.#labels);
        this.queue.done(key);
        this.#d.metrics.queueDepth.set(this.#labels, this.queue.length);
      }
    }
  }

  // ── reconcile: finalizer → dispatch → apply → related, finalized, requeue ───────────────────

  async #reconcile(key: string, phases: PhaseTimer): Promise<void> {
    const trigger: Trigger = this.#triggers.get(key) ?? { type: 'primary' };
    this.#triggers.delete(key);
    const primary = this.#caches.primary(key);
    const kinds = this.#kinds;
    if (!primary || !kinds) {
      this.queue.forget(key);
      return;
    }
    const spec = this.config.spec;
    const plan = planFinalizer(primary, spec);
    if (plan.skip) {
      // Being deleted without our finalizer: the garbage collector removes the children.
      this.queue.forget(key);
      return;
    }
    const closed = [this.#gates.apiserver, this.#gates.worker].find((g) => !g.open);
    if (closed) {
      // The worker or the apiserver is down: hold the key (and its trigger) until a probe sees it answer.
      this.#triggers.set(key, trigger);
      closed.park(key);
      return;
    }
    const { finalizing } = plan;
    const started = this.#clock.now();
    // What observers get: every worker call, the Events recorded, what was written.
    const trace: ReconcileTrace = { calls: [], events: [], applied: 0, pruned: 0, statusWritten: false };
    const traceparent = newTraceparent();
    const log = this.#log.child({ key, traceparent });
    const owned = this.#caches.owned(primary, spec.reconciler);
    const target: FinalizerTarget = {
      key,
      reconciler: spec.reconciler,
      primary,
      primaryResource: kinds.primary,
    };
    let result: ReconcileResult = 'success';
    let failure: unknown;
    try {
      // Before the first call, so a deletion can never skip the finalizing call.
      if (plan.add) await phases.time('finalizer', () => addFinalizer(this.#d.client, target, plan));
      const call = { trigger, finalizing, traceparent, phases, calls: trace.calls };
      let { response, related, selectors } = await this.#ask(kinds, key, primary, owned, call);
      let bounded = bound(key, response, spec.limits);
      const first = await this.#apply(kinds, target, owned, response, {
        log,
        phases,
        events: trace.events,
        holdStatus: true,
      });
      this.#echoes.expect(first.written);
      const applied = { ...first, refused: first.refused.length, passes: 1 };
      Object.assign(trace, {
        applied: first.applied,
        pruned: first.pruned,
        statusWritten: first.statusWritten,
      });
      if (response.status !== null && !first.statusWritten && first.applied + first.pruned > 0) {
        // It wrote: show the reconciler the result, and write the status it computes from it.
        const after = ownedAfter(owned, first);
        ({ response, related, selectors } = await this.#ask(kinds, key, primary, after, call));
        bounded = bound(key, response, spec.limits);
        const again = await this.#apply(kinds, target, after, response, {
          log,
          phases,
          events: trace.events,
          fresher: first.written,
        });
        this.#echoes.expect(again.written);
        applied.applied += again.applied;
        applied.pruned += again.pruned;
        applied.unchanged = again.unchanged;
        applied.statusWritten = again.statusWritten;
        applied.passes = 2;
        Object.assign(trace, {
          applied: applied.applied,
          pruned: applied.pruned,
          statusWritten: applied.statusWritten,
        });
      }
      this.#d.metrics.writesSkipped.inc(this.#labels, applied.unchanged);
      for (const event of bounded.events) void this.#event(primary, event, log, trace.events);
      if (bounded.droppedEvents > 0) {
        this.#d.metrics.eventsDropped.inc({ ...this.#labels, reason: 'answer_cap' }, bounded.droppedEvents);
        const message = `${bounded.droppedEvents} more Events in this answer were dropped: spec.limits.maxEventsPerAnswer is ${spec.limits.maxEventsPerAnswer}`;
        void this.#event(primary, { type: 'Warning', reason: 'TooManyEvents', message }, log, trace.events);
      }
      this.#flapped(key, primary, applied.applied + applied.pruned > 0, log, trace.events);
      if (selectors.refused.length > 0) {
        this.#d.metrics.relatedRefused.inc(this.#labels, selectors.refused.length);
        const message = `related selectors refused: ${selectors.refused.join('; ')}; add the kind to the Reconciler's reads or fix the reconciler`;
        log.warn('related selectors refused', { refused: selectors.refused });
        const refused: EventSpec = { type: 'Warning', reason: 'RelatedSelectorRefused', message };
        void this.#event(primary, refused, log, trace.events);
      }
      await this.#related.set(key, selectors.resolved);
      if (finalizing && response.finalized) {
        await removeFinalizer(this.#d.client, target, plan);
        await this.#related.set(key, []);
        log.info('finalized', { finalizer: plan.finalizer });
      }
      if (bounded.requeueClamped) this.#d.metrics.requeueClamped.inc(this.#labels);
      if (bounded.requeueAfterMs !== null) {
        const flapping = this.#flaps.isFlapping(key);
        this.queue.addAfter(
          key,
          flapping ? this.#flaps.slowed(key, bounded.requeueAfterMs) : bounded.requeueAfterMs,
        );
        this.#d.metrics.requeueAfter.inc(this.#labels);
      }
      this.queue.forget(key);
      if (this.#writeForbidden) {
        this.#writeForbidden = undefined;
        for (const observer of this.onWriteForbidden) observer(undefined);
      }
      log.info('reconciled', {
        trigger: trigger.type,
        applied: applied.applied,
        unchanged: applied.unchanged,
        refused: applied.refused,
        calls: applied.passes,
        related: related.length,
        finalizing,
        pruned: applied.pruned,
        statusWritten: applied.statusWritten,
        requeueAfterMs: response.requeueAfterMs,
        durationMs: this.#clock.now() - started,
        phasesMs: phases.rounded(),
      });
    } catch (error) {
      result = this.#failed({ key, primary, trigger, error, log, started, events: trace.events });
      failure = error;
    } finally {
      // Deleted while in flight: release the related watches this reconcile may have set.
      if (!this.#caches.primary(key)) await this.#related.set(key, []);
      const durationMs = this.#clock.now() - started;
      this.#d.metrics.reconciles.inc({ ...this.#labels, result });
      this.#d.metrics.reconcileDuration.observe(this.#labels, durationMs / 1000);
      for (const [phase, ms] of Object.entries(phases.ms))
        this.#d.metrics.reconcilePhase.observe({ ...this.#labels, phase }, ms / 1000);
      if (this.onReconcile.size > 0) {
        const last = trace.calls.at(-1);
        this.#notify({
          reconciler: this.config.name,
          key,
          trigger,
          result,
          startedAt: started,
          durationMs,
          phasesMs: phases.rounded(),
          calls: trace.calls,
          ...(last && { request: last.request }),
          ...(last?.answer && { answer: last.answer }),
          applied: trace.applied,
          pruned: trace.pruned,
          statusWritten: trace.statusWritten,
          events: trace.events,
          ...(result !== 'success' && { error: errorFields(failure) }),
        });
      }
    }
  }

  /**
   * Calls the worker. Level-triggered even for related objects: when the answer asks for selectors
   * other than those the request was built with (first reconcile after a start, or a change), watch
   * them and ask again with their objects before applying anything. At most one extra call.
   */
  async #ask(
    kinds: ControllerKinds,
    key: string,
    primary: KObject,
    owned: KObject[],
    call: {
      trigger: Trigger;
      finalizing: boolean;
      traceparent: string;
      phases: PhaseTimer;
      /** Each worker call is added here (its answer once it arrives), for observers. */
      calls: WorkerExchange[];
    },
  ): Promise<Answer> {
    const { trigger, finalizing, traceparent, phases } = call;
    const spec = this.config.spec;
    let related: KObject[] = [];
    let response: ReconcileResponse | undefined;
    let selectors: Answer['selectors'] = { resolved: [], refused: [] };
    for (let pass = 0; pass < 2; pass++) {
      const used = selectorsKey(this.#related.selectorsOf(key));
      const request = await phases.time('request', async () => {
        related = await this.#related.objectsOf(key);
        return buildRequest({ primary, owned, related, trigger, finalizing });
      });
      const exchange: WorkerExchange = { request };
      call.calls.push(exchange);
      response = await phases.time('worker', () => callWorker(this.#worker, key, request, traceparent));
      exchange.answer = response;
      selectors = resolveSelectors({
        selectors: response.related,
        primary,
        reads: spec.reads,
        namespaced: new Map([...kinds.reads].map(([id, r]) => [id, r.namespaced])),
        namespaces: spec.namespaces,
      });
      if (selectorsKey(selectors.resolved) === used) break;
      await this.#related.set(key, selectors.resolved);
    }
    if (!response) throw new Error('no answer');
    return { response, related, selectors };
  }

  /** Scope guard → ownership stamp (reported when it strips) → the Applier → refusals reported. */
  async #apply(
    kinds: ControllerKinds,
    target: FinalizerTarget,
    owned: KObject[],
    response: ReconcileResponse,
    options: {
      log: Logger;
      phases: PhaseTimer;
      /** The Events recorded are added here, for observers. */
      events: EventSpec[];
      /** Leave the status for a second pass if this one writes (see after-apply.ts). */
      holdStatus?: boolean;
      /** Objects this reconcile just wrote, newer than the cache's copies. */
      fresher?: ReadonlyMap<string, KObject>;
    },
  ): Promise<ApplyResult> {
    const { log, phases, fresher, events } = options;
    // A second pass repeats the first's findings: report them once.
    const report = fresher === undefined;
    const spec = this.config.spec;
    const { key, primary, primaryResource } = target;
    const placed = checkScope({
      key,
      primary,
      desired: response.desired,
      owns: spec.owns,
      namespaced: new Map([...kinds.owns].map(([id, r]) => [id, r.namespaced])),
      namespaces: spec.namespaces,
    });
    const stamped = placed.map((p) => stamp(p.object, primary, spec.reconciler, p.namespace));
    const stripped = stamped.flatMap((s) =>
      s.stripped.length > 0 ? [`${identity(s.object)}: ${s.stripped.join(', ')}`] : [],
    );
    if (stripped.length > 0 && report) {
      this.#d.metrics.ownershipStripped.inc(this.#labels);
      const message = `the relay sets ownership itself; removed from the answer: ${stripped.join('; ')}`;
      log.warn('ownership fields stripped', { stripped });
      void this.#event(primary, { type: 'Warning', reason: 'OwnershipFieldsStripped', message }, log, events);
    }
    const result = await this.#d.applier.apply({
      key,
      reconciler: spec.reconciler,
      primary,
      primaryResource,
      desired: stamped.map((s) => withIntent(s.object)),
      owned,
      live: (obj) => fresher?.get(identity(obj)) ?? this.#caches.live(obj),
      resources: kinds.owns,
      status: response.status,
      phases,
      holdStatusIfWritten: options.holdStatus === true,
    });
    for (const refusal of report ? result.refused : []) {
      this.#d.metrics.adoptionsRefused.inc(this.#labels);
      log.warn('adoption refused', { object: refusal.object, reason: refusal.reason });
      const refused: EventSpec = { type: 'Warning', reason: 'AdoptionRefused', message: refusal.reason };
      void this.#event(primary, refused, log, events);
    }
    return result;
  }

  /** Calls each reconcile observer; one that throws is logged, never breaks the reconcile loop. */
  #notify(record: ReconcileRecord): void {
    for (const observer of this.onReconcile) {
      try {
        observer(record);
      } catch (error) {
        this.#log.error('reconcile observer failed', { key: record.key, error });
      }
    }
  }

  /** Records whether the reconcile wrote; reports a primary that starts or stops flapping. */
  #flapped(key: string, primary: KObject, wrote: boolean, log: Logger, events: EventSpec[]): void {
    const transition = this.#flaps.record(key, primary.metadata.generation, wrote);
    if (transition === 'started') {
      this.#d.metrics.flapping.inc(this.#labels);
      const message =
        'every recent reconcile changed what the relay writes while the primary did not change (a reconciler ' +
        'whose output is not stable, or another controller fighting over a field); its reconciles are slowed down';
      log.warn('primary flapping', {});
      void this.#event(primary, { type: 'Warning', reason: 'Flapping', message }, log, events);
    } else if (transition === 'stopped') {
      this.#d.metrics.flapping.dec(this.#labels);
      log.info('primary no longer flapping', {});
    }
    if (transition !== undefined) for (const observer of this.onFlapping) observer(this.#flaps.keys());
  }

  /** A failed reconcile: backoff (at least Retry-After), metrics, a log line and a Warning Event. */
  #failed(f: {
    key: string;
    primary: KObject;
    trigger: Trigger;
    error: unknown;
    log: Logger;
    started: number;
    events: EventSpec[];
  }): ReconcileResult {
    const { key, trigger, error, log } = f;
    const result = resultOf(error);
    if (!this.#triggers.has(key)) this.#triggers.set(key, trigger);
    const retryAfterMs = error instanceof DispatchError ? error.retryAfterMs : undefined;
    if (error instanceof DispatchError && error.name === 'WorkerUnavailable') this.#gates.worker.down();
    if (error instanceof ApplyFailed && apiserverUnreachable(error.cause)) this.#gates.apiserver.down();
    const delay = this.queue.addRateLimited(key, retryAfterMs);
    if (error instanceof ScopeRejected) this.#d.metrics.scopeRejections.inc(this.#labels);
    if (error instanceof ApplyFailed) this.#d.metrics.applyErrors.inc(this.#labels);
    if (error instanceof AnswerLimitExceeded)
      this.#d.metrics.limitRejections.inc({ ...this.#labels, limit: error.limit });
    log.warn('reconcile failed', {
      trigger: trigger.type,
      result,
      error,
      retryInMs: delay,
      durationMs: this.#clock.now() - f.started,
    });
    void this.#event(f.primary, failureEvent(error), log, f.events);
    const forbidden = findForbidden(error);
    if (forbidden) {
      this.#writeForbidden = forbidden;
      for (const observer of this.onWriteForbidden) observer(forbidden);
    }
    return result;
  }

  /** Records `event` on `primary`; `events`, when given, collects it for this reconcile's observers. */
  async #event(primary: KObject, event: EventSpec, log: Logger, events?: EventSpec[]): Promise<void> {
    events?.push(event);
    try {
      const recorded = await this.#d.recorder.record(primary, event);
      if (recorded === 'rate-limited')
        this.#d.metrics.eventsDropped.inc({ ...this.#labels, reason: 'rate_limited' });
    } catch (error) {
      log.warn('could not record event', { reason: event.reason, error });
    }
  }
}

/** What a reconcile collects for its observers while it runs. */
interface ReconcileTrace {
  calls: WorkerExchange[];
  events: EventSpec[];
  applied: number;
  pruned: number;
  statusWritten: boolean;
}

/** A write that got no answer, or the apiserver's 503 (starting, or shedding load): not the answer's fault. */
function apiserverUnreachable(cause: unknown): boolean {
  return cause instanceof KubeApiError && (cause.status === 0 || cause.status === 503);
}
