// Runs one Reconciler: informers → triggers → work queue → workers, each reconcile a `sync` (sync.ts) whose outcome becomes queue operations (outcome.ts) and reports (reporter.ts); no resync.
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
import type { Trigger } from '../../src/protocol/schemas.ts';
import type { ControllerConfig } from '../api/reconciler.ts';
import type { Applier } from '../apply/applier.ts';
import type { EventRecorder } from '../apply/events.ts';
import { stampedByOther } from '../apply/ownership.ts';
import type { Clock } from '../clock.ts';
import { realClock, sleep } from '../clock.ts';
import type { Dispatcher } from '../dispatch/dispatcher.ts';
import { newTraceparent } from '../dispatch/dispatcher.ts';
import { ALWAYS_LEADING, type Leadership, whenLeading } from '../election/leadership.ts';
import type { KubeClient } from '../kube/client.ts';
import type { Discovery, ResourceInfo } from '../kube/discovery.ts';
import type { Logger } from '../observe/log.ts';
import type { RelayMetrics } from '../observe/metrics.ts';
import { PhaseTimer } from '../observe/phases.ts';
import type { BackoffOptions } from '../queue/rate-limited.ts';
import { RateLimitingQueue } from '../queue/rate-limited.ts';
import type { InformerFactory } from '../watch/informer.ts';
import type { KindScope } from '../watch/list-watch.ts';
import { type Delta, storeKey } from '../watch/store.ts';
import { ControllerCaches } from './caches.ts';
import { Echoes } from './echoes.ts';
import { planFinalizer } from './finalizer.ts';
import { FlapDetector } from './flapping.ts';
import { type ControllerKinds, discoverKinds } from './kinds.ts';
import { type Outcome, queueOps } from './outcome.ts';
import { Outages } from './outages.ts';
import { ownedTriggers, primaryTriggers } from './predicates.ts';
import { RelatedWatches } from './related-watches.ts';
import { Reporter } from './reporter.ts';
import { sync, type SyncDeps } from './sync.ts';
import { callWorker, probeWorker } from './worker-call.ts';

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

export class Controller {
  readonly config: ControllerConfig;
  readonly queue: RateLimitingQueue;
  /** Observers of the set of flapping primaries, of finished reconciles, of RBAC refusals on writes (reporter.ts). */
  readonly onFlapping: Reporter['onFlapping'];
  readonly onReconcile: Reporter['onReconcile'];
  readonly onWriteForbidden: Reporter['onWriteForbidden'];
  #d: ControllerDeps;
  #clock: Clock;
  #log: Logger;
  #reporter: Reporter;
  #sync: SyncDeps;
  #outages: Outages;
  #kinds: ControllerKinds | undefined;
  #caches: ControllerCaches;
  #related: RelatedWatches;
  #echoes = new Echoes();
  #flaps = new FlapDetector();
  /** Each queued key's pending trigger, and when it became ready (performance.now()) for the queue-wait phase. */
  #triggers = new Map<string, Trigger>();
  #queuedAt = new Map<string, number>();
  /** Primaries being reconciled → wakes that arrived meanwhile (judged after the apply). */
  #inFlight = new Map<string, Wake[]>();
  #workers: Promise<void>[] = [];
  #stopping = new AbortController();
  #synced = false;
  #cachesSynced = false;

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
    const labels = { reconciler: config.name };
    this.#log = deps.log.child(labels);
    this.#reporter = new Reporter({
      reconciler: config.name,
      recorder: deps.recorder,
      metrics: deps.metrics,
      log: this.#log,
      clock: this.#clock,
    });
    this.onFlapping = this.#reporter.onFlapping;
    this.onReconcile = this.#reporter.onReconcile;
    this.onWriteForbidden = this.#reporter.onWriteForbidden;
    this.#outages = new Outages({
      clock: this.#clock,
      log: this.#log,
      probeWorker: () => probeWorker(config.spec.endpoint),
      probeApiserver: () =>
        deps.client.request('GET', '/version', { timeoutMs: 2000 }).then(
          () => true,
          () => false,
        ),
      release: (key) => {
        this.queue.add(key);
      },
      onWorkerReachable: (reachable) => {
        this.#reporter.workerReachable(reachable);
      },
    });
    this.#caches = new ControllerCaches(deps.informers);
    this.#related = new RelatedWatches({
      informers: deps.informers,
      signal: this.#stopping.signal,
      wake: (keys, delta) => {
        this.#judge({ delta, keys, trigger: { type: 'related', ref: refOf(delta.object) } });
      },
    });
    const worker = { config, dispatcher: deps.dispatcher, metrics: deps.metrics, clock: this.#clock, labels };
    this.#sync = {
      config,
      client: deps.client,
      applier: deps.applier,
      worker: { call: (key, request, traceparent) => callWorker(worker, key, request, traceparent) },
      related: this.#related,
      live: (obj) => this.#caches.live(obj),
      wrote: (written) => {
        this.#echoes.expect(written);
      },
    };
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
    this.#outages.stop();
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
    this.#reporter.stopped();
  }

  // ── watch: deltas → triggers ─────────────────────────────────────────────────────────────────

  #onPrimary(delta: Delta): void {
    const key = storeKey(delta.object);
    if (primaryTriggers(delta)) this.#enqueue(key, { type: 'primary' });
    if (delta.type === 'deleted') {
      void this.#related.set(key, []);
      if (this.#flaps.forget(key)) this.#reporter.flappingForgotten(this.#flaps.keys());
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
      this.#reporter.echoSuppressed();
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
    this.#reporter.queueDepth(this.queue.length);
  }

  async #work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      this.#reporter.queueDepth(this.queue.length);
      this.#reporter.busy(1);
      this.#inFlight.set(key, []);
      const phases = new PhaseTimer();
      const queuedAt = this.#queuedAt.get(key);
      this.#queuedAt.delete(key);
      if (queuedAt !== undefined) phases.add('queue', performance.now() - queuedAt);
      try {
        await this.#reconcile(key, phases);
      } catch (error) {
        // #reconcile returns its failures as outcomes; this is a bug guard so a worker loop never dies.
        this.#log.error('unexpected reconcile failure', { key, error });
        this.queue.addRateLimited(key);
      } finally {
        const held = this.#inFlight.get(key) ?? [];
        this.#inFlight.delete(key);
        for (const wake of held) this.#judge(wake);
        this.#reporter.busy(-1);
        this.queue.done(key);
        this.#reporter.queueDepth(this.queue.length);
      }
    }
  }

  /** One key: its snapshot → sync → queue operations → reports. */
  async #reconcile(key: string, phases: PhaseTimer): Promise<void> {
    const trigger: Trigger = this.#triggers.get(key) ?? { type: 'primary' };
    this.#triggers.delete(key);
    const primary = this.#caches.primary(key);
    const kinds = this.#kinds;
    const plan = primary && planFinalizer(primary, this.config.spec);
    // Gone, or being deleted without our finalizer (the garbage collector removes the children).
    if (!primary || !kinds || !plan || plan.skip) {
      this.#settle(key, { type: 'skipped' });
      return;
    }
    const gate = this.#outages.closed();
    if (gate) {
      // The worker or the apiserver is down: hold the key (and its trigger) until a probe sees it answer.
      this.#triggers.set(key, trigger);
      this.#settle(key, { type: 'parked', gate });
      return;
    }
    const started = this.#clock.now();
    const traceparent = newTraceparent();
    const log = this.#log.child({ key, traceparent });
    const owned = this.#caches.owned(primary, this.config.spec.reconciler);
    const input = { key, primary, owned, kinds, trigger, plan, phases, traceparent };
    const outcome = await sync(this.#sync, input);
    const answered = outcome.trace.answered;
    const flap = answered && this.#flaps.record(key, primary.metadata.generation, answered.wrote);
    if (outcome.type === 'failed') {
      if (!this.#triggers.has(key)) this.#triggers.set(key, trigger);
      this.#outages.failed(outcome.error);
    }
    const retryInMs = this.#settle(key, outcome);
    // Deleted while in flight: release the related watches this reconcile may have set.
    if (!this.#caches.primary(key)) await this.#related.set(key, []);
    const context = {
      key,
      primary,
      trigger,
      started,
      phases,
      log,
      finalizing: plan.finalizing,
      finalizer: plan.finalizer,
    };
    this.#reporter.reconciled(context, outcome, {
      flap,
      flapping: () => this.#flaps.keys(),
      ...(retryInMs !== undefined && { retryInMs }),
    });
  }

  /** Carries out the queue operations of `outcome`; returns the retry's backoff, if it is one. */
  #settle(key: string, outcome: Outcome): number | undefined {
    let retryInMs: number | undefined;
    for (const op of queueOps(outcome, (ms) =>
      this.#flaps.isFlapping(key) ? this.#flaps.slowed(key, ms) : ms,
    ))
      switch (op.op) {
        case 'forget':
          this.queue.forget(key);
          break;
        case 'addAfter':
          this.queue.addAfter(key, op.delayMs);
          break;
        case 'addRateLimited':
          retryInMs = this.queue.addRateLimited(key, op.retryAfterMs);
          break;
        case 'park':
          this.#outages.park(op.gate, key);
          break;
      }
    return retryInMs;
  }
}
