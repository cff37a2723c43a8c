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
import type { Clock } from '../clock.ts';
import { realClock, sleep } from '../clock.ts';
import type { Dispatcher } from '../dispatch/dispatcher.ts';
import { newTraceparent } from '../dispatch/dispatcher.ts';
import { ALWAYS_LEADING, type Leadership, whenLeading } from '../election/leadership.ts';
import type { KubeRequester } from '../kube/client.ts';
import type { Discovery } from '../kube/discovery.ts';
import type { KObject } from '../kube/object.ts';
import type { Logger } from '../observe/log.ts';
import type { RelayMetrics } from '../observe/metrics.ts';
import { PhaseTimer } from '../observe/phases.ts';
import type { BackoffOptions } from '../queue/rate-limited.ts';
import { RateLimitingQueue } from '../queue/rate-limited.ts';
import type { InformerFactory } from '../watch/informer.ts';
import { type Delta, storeKey } from '../watch/store.ts';
import { ControllerCaches } from './caches.ts';
import { planFinalizer } from './finalizer.ts';
import type { ControllerKinds } from './kinds.ts';
import { ControllerKeys } from './keys.ts';
import { Outages } from './outages.ts';
import { primaryTriggers } from './predicates.ts';
import { RelatedWatches } from './related-watches.ts';
import { Reporter } from './reporter.ts';
import { type ReconcileResult, resultOf } from './result.ts';
import { sync, type SyncDeps } from './sync.ts';
import { Wakes } from './wakes.ts';
import { WrittenStatuses } from './written-status.ts';
import { LastWrites } from './last-write.ts';
import { StatusDebts } from './status-debts.ts';
import { runWorker } from './worker-loop.ts';
import { callWorker } from './worker-call.ts';

export type { ReconcileRecord, ReconcileResult, WorkerExchange } from './result.ts';

/** A key's turn: `taken` by a worker, then how it ended: `parked` (taken again after the outage), `skipped` (gone), or the reconcile's result. */
export type TurnEvent = 'taken' | 'parked' | 'skipped' | ReconcileResult;

/** Logged when a reconcile throws past sync (a relay bug): the key is retried with backoff. */
export const MSG_UNEXPECTED_FAILURE = 'unexpected reconcile failure';

export interface ControllerDeps {
  /** Writes (finalizer) and the apiserver's probe: behind the leader's fence when there is an election. */
  client: KubeRequester;
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

export class Controller {
  #config: ControllerConfig;
  readonly queue: RateLimitingQueue;
  /** Observers of the set of flapping primaries, of finished reconciles, of RBAC refusals on writes (reporter.ts). */
  readonly onFlapping: Reporter['onFlapping'];
  readonly onReconcile: Reporter['onReconcile'];
  readonly onWriteForbidden: Reporter['onWriteForbidden'];
  /** Observers of every key's turns (hooks acknowledge an outside event once the reconciles it woke reached the worker). */
  readonly onTurn = new Set<(key: string, turn: TurnEvent) => void>();
  #running = Promise.withResolvers<undefined>();
  /** Resolves once the workers run (caches synced, leading); never if the controller stops first. */
  readonly running: Promise<void> = this.#running.promise;
  #d: ControllerDeps;
  #clock: Clock;
  #log: Logger;
  #reporter: Reporter;
  #sync: SyncDeps;
  #outages: Outages;
  #kinds: ControllerKinds | undefined;
  #caches: ControllerCaches;
  #related: RelatedWatches;
  #wakes: Wakes;
  #keys: ControllerKeys;
  /** Statuses the relay wrote that the cache may not hold yet (written-status.ts). */
  #statuses = new WrittenStatuses();
  /** The outcome of the last write of an answer, per primary (last-write.ts). */
  #lastWrites = new LastWrites();
  /** Statuses left to the primary's next reconcile by a reconcile that wrote (status-debts.ts). */
  #debts: StatusDebts;
  #workers: Promise<void>[] = [];
  #stopping = new AbortController();
  /** How far start() got: caches synced (a follower stays there), then workers running. */
  #started: 'no' | 'caches' | 'workers' = 'no';

  constructor(config: ControllerConfig, deps: ControllerDeps) {
    this.#config = config;
    this.#d = deps;
    this.#clock = deps.clock ?? realClock;
    this.queue = new RateLimitingQueue({
      clock: this.#clock,
      name: config.name,
      metricsProvider: deps.metrics.workqueue,
      ...(deps.backoff ? { backoff: deps.backoff } : {}),
      onReady: (key) => {
        this.#keys.ready(key);
      },
    });
    this.#keys = new ControllerKeys(this.queue, (gate, key) => {
      this.#outages.park(gate, key);
    });
    this.#debts = new StatusDebts({
      clock: this.#clock,
      enqueue: (key, trigger) => {
        this.#enqueue(key, trigger);
      },
    });
    const labels = { reconciler: config.name };
    this.#log = deps.log.child(labels);
    this.#reporter = new Reporter({ ...deps, reconciler: config.name, log: this.#log, clock: this.#clock });
    this.onFlapping = this.#reporter.onFlapping;
    this.onReconcile = this.#reporter.onReconcile;
    this.onWriteForbidden = this.#reporter.onWriteForbidden;
    this.#outages = new Outages({
      ...{ client: deps.client, clock: this.#clock, log: this.#log, endpoint: config.spec.endpoint },
      release: (key) => {
        this.queue.add(key);
      },
      onWorkerReachable: (reachable) => {
        this.#reporter.workerReachable(reachable);
      },
    });
    this.#caches = new ControllerCaches(deps.informers);
    this.#wakes = new Wakes({
      reconciler: config.spec.reconciler,
      primaryKeyOf: (uid) => {
        const primary = this.#caches.primaryByUid(uid);
        return primary && storeKey(primary);
      },
      enqueue: (key, trigger) => {
        this.#enqueue(key, trigger);
      },
      echoSuppressed: () => {
        this.#reporter.echoSuppressed();
      },
    });
    this.#related = new RelatedWatches({
      informers: deps.informers,
      signal: this.#stopping.signal,
      wake: (keys, delta) => {
        this.#wakes.judge({ delta, keys, trigger: { type: 'related', ref: refOf(delta.object) } });
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
        this.#wakes.wrote(written);
      },
      wroteStatus: (key, primary, status, resourceVersion) => {
        this.#statuses.wrote(key, primary, status, resourceVersion);
      },
    };
  }

  /** The Reconciler as this controller runs it now. */
  get config(): ControllerConfig {
    return this.#config;
  }

  /**
   * Takes a new `spec.config` without a restart (caches, queue and per-primary memory stay) and
   * enqueues every cached primary once: a reconcile in flight runs once more after it, a waiting
   * key is not doubled. Returns how many were enqueued.
   */
  reconfigure(config: ControllerConfig['spec']['config']): number {
    const spec = { ...this.#config.spec };
    if (config === undefined) delete spec.config;
    else spec.config = config;
    this.#config = { ...this.#config, spec };
    this.#sync.config = this.#config;
    return this.reconcileAll();
  }

  /** Workers running: caches synced and this relay leads. */
  get synced(): boolean {
    return this.#started === 'workers';
  }

  /** How many primaries are being reconciled now. */
  get inFlight(): number {
    return this.#wakes.inFlight;
  }

  /** The keys of the primaries cached now. */
  primaryKeys(): string[] {
    return this.#caches.primaryKeys();
  }

  /** The cached primaries carrying every label of `matchLabels`. */
  primariesByLabels(matchLabels: Readonly<Record<string, string>>): KObject[] {
    return this.#caches.primariesByLabels(matchLabels);
  }

  /** Enqueues `key` for an outside event (hooks/), as a watch delta would. */
  wake(key: string, trigger: Trigger): void {
    this.#enqueue(key, trigger);
  }

  /**
   * Enqueues every cached primary (trigger `primary` unless one is pending), as after a start: for a
   * new build of the reconciler (`zeroloop dev`). Returns how many were enqueued.
   */
  reconcileAll(): number {
    const keys = this.#caches.primaryKeys();
    for (const key of keys) this.#keys.add(key, { type: 'primary' });
    return keys.length;
  }

  /** Caches synced (a follower's caches are warm, though it runs no worker). */
  get cachesSynced(): boolean {
    return this.#started !== 'no';
  }

  // ── lifecycle ────────────────────────────────────────────────────────────────────────────────

  /**
   * Resolves the kinds and fills the caches (caches.ts), then, once this relay leads, enqueues every
   * existing primary once and starts the workers.
   */
  async start(): Promise<void> {
    const signal = this.#stopping.signal;
    const spec = this.config.spec;
    const handlers = { primary: this.#onPrimary, owned: this.#wakes.owned };
    // Workers start once every cache is synced, so no reconcile sees a half-listed world.
    const kinds = await this.#caches.start({
      ...{ discovery: this.#d.discovery, spec, clock: this.#clock, log: this.#log, signal },
      handlers,
    });
    if (!kinds) return;
    this.#kinds = kinds;
    this.#started = 'caches';
    // A follower stops here with warm caches: it reconciles nothing until it leads. Keys that its
    // watches enqueue meanwhile wait in the queue (deduplicated), and every primary is enqueued below.
    if (!(await whenLeading(this.#d.leadership ?? ALWAYS_LEADING, signal))) return;
    // Every existing primary once (keys already queued by the initial list deduplicate), THEN the
    // workers: a worker takes a key synchronously, so enqueueing after would run it twice.
    for (const key of this.#caches.primaryKeys()) this.#enqueue(key, { type: 'primary' });
    const loop = {
      handle: (key: string) => this.#process(key),
      // #reconcile returns its failures as outcomes; this is a bug guard (the key is retried).
      threw: (key: string, error: unknown) => {
        this.#log.error(MSG_UNEXPECTED_FAILURE, { key, error });
      },
      done: () => {
        this.#reporter.queueDepth(this.queue.length);
      },
    };
    for (let i = 0; i < spec.concurrency; i++) this.#workers.push(runWorker(this.queue, loop));
    this.#started = 'workers';
    this.#running.resolve(undefined);
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
    this.#debts.clear();
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

  #onPrimary = (delta: Delta): void => {
    const key = storeKey(delta.object);
    this.#statuses.seen(key, delta.object);
    if (primaryTriggers(delta)) this.#enqueue(key, { type: 'primary' });
    if (delta.type === 'deleted') {
      this.#debts.paid(key);
      this.#statuses.forget(key);
      this.#lastWrites.forget(key);
      void this.#related.set(key, []);
      const { flaps } = this.#keys;
      if (flaps.forget(key)) this.#reporter.flappingForgotten(flaps.keys());
    }
  };

  // ── queue → workers ──────────────────────────────────────────────────────────────────────────

  #enqueue(key: string, trigger: Trigger): void {
    this.#keys.enqueue(key, trigger);
    this.#reporter.queueDepth(this.queue.length);
  }

  /** One key a worker took: the in-flight bookkeeping around its reconcile. */
  async #process(key: string): Promise<void> {
    this.#reporter.queueDepth(this.queue.length);
    this.#reporter.busy(1);
    this.#wakes.begin(key);
    const phases = new PhaseTimer();
    const { trigger, readyAt } = this.#keys.take(key);
    this.#turn(key, 'taken');
    if (readyAt !== undefined) phases.add('queue', performance.now() - readyAt);
    try {
      await this.#reconcile(key, trigger, phases);
    } finally {
      this.#wakes.end(key);
      this.#reporter.busy(-1);
    }
  }

  /** One key: its snapshot → sync → queue operations → reports. */
  async #reconcile(key: string, trigger: Trigger, phases: PhaseTimer): Promise<void> {
    // Whatever this turn does (reconcile, skip, park) covers a status still owed.
    this.#debts.paid(key);
    const cached = this.#caches.primary(key);
    // A status this relay wrote whose watch event has not arrived yet is the primary's status.
    const primary = cached && this.#statuses.view(key, cached);
    const kinds = this.#kinds;
    const plan = primary && planFinalizer(primary, this.config.spec, this.config.finalizerName);
    // Gone, or being deleted without our finalizer (the garbage collector removes the children).
    if (!primary || !kinds || !plan || plan.skip) {
      this.#keys.settle(key, { type: 'skipped' });
      this.#turn(key, 'skipped');
      return;
    }
    const gate = this.#outages.closed();
    if (gate) {
      // The worker or the apiserver is down: hold the key (and its trigger) until a probe sees it answer.
      this.#keys.keep(key, trigger);
      this.#keys.settle(key, { type: 'parked', gate });
      this.#turn(key, 'parked');
      return;
    }
    const started = this.#clock.now();
    const traceparent = newTraceparent();
    const log = this.#log.child({ key, traceparent });
    const owned = this.#caches.owned(primary, this.config.spec.reconciler);
    const lastWrite = this.#lastWrites.of(key);
    const input = { key, primary, owned, kinds, trigger, plan, lastWrite, phases, traceparent };
    const outcome = await sync(this.#sync, input);
    this.#lastWrites.record(key, outcome);
    if (outcome.type === 'reconciled' && outcome.trace.statusOwed)
      this.#debts.owe(key, outcome.trace.statusOwed);
    const answered = outcome.trace.answered;
    const { flaps } = this.#keys;
    const flap = answered && flaps.record(key, primary.metadata.generation, answered.wrote);
    if (outcome.type === 'failed') {
      this.#keys.keep(key, trigger);
      this.#outages.failed(outcome.error);
    }
    const retryInMs = this.#keys.settle(key, outcome);
    // Deleted while in flight: release the related watches this reconcile may have set.
    if (!this.#caches.primary(key)) await this.#related.set(key, []);
    const context = { key, primary, trigger, started, phases, log, plan };
    this.#reporter.reconciled(context, outcome, {
      flap,
      flapping: () => flaps.keys(),
      ...(retryInMs !== undefined && { retryInMs }),
    });
    this.#turn(key, outcome.type === 'reconciled' ? 'success' : resultOf(outcome.error));
  }

  #turn(key: string, turn: TurnEvent): void {
    for (const observer of this.onTurn) {
      try {
        observer(key, turn);
      } catch (error) {
        this.#log.error('turn observer failed', { key, error });
      }
    }
  }
}
