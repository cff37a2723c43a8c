// Runs one Reconciler: informers → triggers → work queue → workers, each key handled by handler.ts (a `sync` whose outcome becomes queue operations and reports); no resync.
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
import { ALWAYS_LEADING, type Leadership, whenLeading } from '../election/leadership.ts';
import type { KubeRequester } from '../kube/client.ts';
import type { Discovery } from '../kube/discovery.ts';
import type { KObject } from '../kube/object.ts';
import type { Logger } from '../observe/log.ts';
import type { RelayMetrics } from '../observe/metrics.ts';
import type { BackoffOptions } from '../queue/rate-limited.ts';
import { RateLimitingQueue } from '../queue/rate-limited.ts';
import type { InformerFactory } from '../watch/informer.ts';
import { type Delta, storeKey } from '../watch/store.ts';
import { ControllerCaches } from './caches.ts';
import type { ControllerKinds } from './kinds.ts';
import { ControllerKeys } from './keys.ts';
import { Outages } from './outages.ts';
import { primaryTriggers } from './predicates.ts';
import { RelatedWatches } from './related-watches.ts';
import { Reporter } from './reporter.ts';
import { Wakes } from './wakes.ts';
import { ReconcileHandler, type TurnEvent } from './handler.ts';
import { PrimaryMemory } from './primary-memory.ts';
import type { SyncDeps } from './sync.ts';
import { runWorker } from './worker-loop.ts';
import { callWorker } from './worker-call.ts';

export type { ReconcileRecord, ReconcileResult, WorkerExchange } from './result.ts';

export type { TurnEvent } from './handler.ts';

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
  #memory: PrimaryMemory;
  #handler: ReconcileHandler;
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
    this.#memory = new PrimaryMemory({
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
        this.#memory.wroteStatus(key, primary, status, resourceVersion);
      },
    };
    this.#handler = new ReconcileHandler({
      ...{ keys: this.#keys, wakes: this.#wakes, caches: this.#caches, outages: this.#outages },
      ...{ related: this.#related, memory: this.#memory, reporter: this.#reporter, sync: this.#sync },
      ...{ clock: this.#clock, log: this.#log, onTurn: this.onTurn },
      kinds: () => this.#kinds,
      config: () => this.#config,
      queueLength: () => this.queue.length,
    });
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
      handle: (key: string) => this.#handler.handle(key),
      // The handler returns sync's failures as outcomes; this is a bug guard (the key is retried).
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
    this.#memory.stop();
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
    this.#memory.seen(key, delta.object);
    if (primaryTriggers(delta)) this.#enqueue(key, { type: 'primary' });
    if (delta.type === 'deleted') {
      this.#memory.forget(key);
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
}
