// Runs one Reconciler: informers → triggers → work queue → dispatcher → scope guard → applier, with no resync.
//
// Guarantees (DESIGN.md, relay semantics):
// - level-triggered: each call carries the primary and its owned objects as the cache holds them;
// - one reconcile at a time per primary, events during it coalesce into exactly one more;
// - at start each existing primary is reconciled once; afterwards only watch deltas, failures
//   (per-key backoff, Retry-After) and requeue-after timers that the reconciler asked for enqueue;
// - any failure leaves a Warning Event on the primary, a log line with its key and a metric, and
//   the key is retried: it is never dropped;
// - related objects: an answer's selectors decide which shared watches feed the next request and
//   which changes wake the primary; finalizers: see relay/README.md.
import { kindId, objectKey, refOf } from '../../src/keys.ts';
import type { ReconcileRequest, ReconcileResponse, Trigger } from '../../src/protocol/schemas.ts';
import { ApplyFailed, type Applier, setFinalizer } from '../apply/applier.ts';
import type { EventRecorder, EventSpec } from '../apply/events.ts';
import { OWNER_INDEX, ownerUids, stamp } from '../apply/ownership.ts';
import { checkScope, ScopeRejected } from '../apply/scope.ts';
import type { Clock } from '../clock.ts';
import { realClock, sleep } from '../clock.ts';
import type { ControllerConfig } from '../config/reconciler.ts';
import type { Dispatcher } from '../dispatch/dispatcher.ts';
import { newTraceparent } from '../dispatch/dispatcher.ts';
import { DispatchError } from '../dispatch/errors.ts';
import { buildRequest } from '../dispatch/snapshot.ts';
import type { KubeClient } from '../kube/client.ts';
import type { Discovery, ResourceInfo } from '../kube/discovery.ts';
import type { KindScope } from '../kube/list-watch.ts';
import type { KObject } from '../kube/object.ts';
import type { Logger } from '../observe/log.ts';
import type { RelayMetrics } from '../observe/metrics.ts';
import type { BackoffOptions } from '../queue/rate-limited.ts';
import { ExponentialBackoff, RateLimitingQueue } from '../queue/rate-limited.ts';
import type { InformerFactory, SharedInformer } from '../watch/informer.ts';
import { storeKey } from '../watch/store.ts';
import { ownedTriggers, primaryTriggers } from './predicates.ts';
import type { ResolvedSelector } from './related.ts';
import { matches, needId, RelatedSelectors, resolveSelectors, selectorsKey } from './related.ts';

const UID_INDEX = 'uid';

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
}

/** A result label of `zeroloop_reconciles_total`. */
export type ReconcileResult =
  | 'success'
  | 'scope_rejected'
  | 'apply_error'
  | 'worker_unavailable'
  | 'worker_timeout'
  | 'throttled'
  | 'reconciler_error'
  | 'reconciler_trap'
  | 'invalid_answer'
  | 'request_rejected'
  | 'error';

export interface ReconcileRecord {
  key: string;
  trigger: Trigger;
  result: ReconcileResult;
  durationMs: number;
}

export class Controller {
  readonly config: ControllerConfig;
  readonly queue: RateLimitingQueue;
  #d: ControllerDeps;
  #clock: Clock;
  #log: Logger;
  #labels: { reconciler: string };
  #primaryResource: ResourceInfo | undefined;
  #resources = new Map<string, ResourceInfo>();
  /** Resources of the `reads` kinds, by kindId. */
  #readResources = new Map<string, ResourceInfo>();
  #related = new RelatedSelectors();
  #relatedInformers = new Map<string, { informer: SharedInformer; scope: KindScope; off: () => void }>();
  #primaryInformers: SharedInformer[] = [];
  #ownedInformers: SharedInformer[] = [];
  #acquired: KindScope[] = [];
  #unsubscribe: (() => void)[] = [];
  #triggers = new Map<string, Trigger>();
  #workers: Promise<void>[] = [];
  #stopping = new AbortController();
  #synced = false;
  /** Observers of finished reconciles (npm start's readable log line, tests). */
  readonly onReconcile = new Set<(r: ReconcileRecord) => void>();

  constructor(config: ControllerConfig, deps: ControllerDeps) {
    this.config = config;
    this.#d = deps;
    this.#clock = deps.clock ?? realClock;
    this.queue = new RateLimitingQueue({
      clock: this.#clock,
      ...(deps.backoff ? { backoff: deps.backoff } : {}),
      // A delayed key keeps the trigger of the failure it retries; a requeue-after has none.
      onReady: (key) => {
        if (!this.#triggers.has(key)) this.#triggers.set(key, { type: 'requeue' });
      },
    });
    this.#labels = { reconciler: config.name };
    this.#log = deps.log.child({ reconciler: config.name });
  }

  get synced(): boolean {
    return this.#synced;
  }

  /**
   * Resolves the kinds (retrying with backoff until they exist), starts the informers and the
   * workers, waits for the caches, then enqueues every existing primary once.
   */
  async start(): Promise<void> {
    const signal = this.#stopping.signal;
    const spec = this.config.spec;
    const backoff = new ExponentialBackoff({ baseDelayMs: 1000, maxDelayMs: 30_000 });
    for (;;) {
      try {
        this.#primaryResource = await this.#d.discovery.resource(spec.primary.apiVersion, spec.primary.kind);
        for (const k of spec.owns)
          this.#resources.set(kindId(k), await this.#d.discovery.resource(k.apiVersion, k.kind));
        for (const k of spec.reads)
          this.#readResources.set(kindId(k), await this.#d.discovery.resource(k.apiVersion, k.kind));
        break;
      } catch (error) {
        const delay = backoff.when('discovery');
        this.#log.warn('kinds not available yet; retrying', { error, retryInMs: delay });
        try {
          await sleep(this.#clock, delay, signal);
        } catch {
          return;
        }
      }
    }
    // stop() may have run while discovery was pending: acquire nothing then.
    if (signal.aborted) return;
    const namespaces = spec.namespaces.length > 0 ? spec.namespaces : [undefined];
    const scopesOf = (r: ResourceInfo): KindScope[] =>
      r.namespaced
        ? namespaces.map((namespace) => ({ apiVersion: r.apiVersion, kind: r.kind, namespace }))
        : [r];

    for (const scope of scopesOf(this.#primaryResource)) {
      const informer = this.#acquire(scope);
      informer.store.addIndex(UID_INDEX, (o) => (o.metadata.uid ? [o.metadata.uid] : []));
      this.#primaryInformers.push(informer);
      this.#unsubscribe.push(
        informer.subscribe((delta) => {
          if (primaryTriggers(delta)) this.#enqueue(storeKey(delta.object), { type: 'primary' });
          if (delta.type === 'deleted') void this.#setRelated(storeKey(delta.object), []);
        }),
      );
    }
    for (const r of this.#resources.values()) {
      for (const scope of scopesOf(r)) {
        const informer = this.#acquire(scope);
        informer.store.addIndex(OWNER_INDEX, ownerUids);
        this.#ownedInformers.push(informer);
        this.#unsubscribe.push(
          informer.subscribe((delta) => {
            for (const uid of ownedTriggers(delta)) {
              const primary = this.#primaryByUid(uid);
              if (primary) this.#enqueue(storeKey(primary), { type: 'owned', ref: refOf(delta.object) });
            }
          }),
        );
      }
    }
    // Workers start once every cache is synced, so no reconcile sees a half-listed world.
    await Promise.all(
      [...this.#primaryInformers, ...this.#ownedInformers].map((inf) => inf.waitForSync(signal)),
    );
    if (this.#stopping.signal.aborted) return;
    // Every existing primary once (keys already queued by the initial list deduplicate), THEN the
    // workers: a worker takes a key synchronously, so enqueueing after would run it twice.
    for (const informer of this.#primaryInformers)
      for (const key of informer.store.keys()) this.#enqueue(key, { type: 'primary' });
    for (let i = 0; i < spec.concurrency; i++) this.#workers.push(this.#work());
    this.#synced = true;
    this.#log.info('controller started', {
      primary: kindId(spec.primary),
      owns: spec.owns.map(kindId),
      namespaces: spec.namespaces,
      primaries: this.#primaryInformers.reduce((n, i) => n + i.store.size, 0),
    });
  }

  /** Stops taking work, lets in-flight reconciles finish within `deadlineMs`, releases the watches. */
  async stop(deadlineMs = 10_000): Promise<void> {
    this.#stopping.abort();
    for (const off of this.#unsubscribe.splice(0)) off();
    this.queue.shutDown();
    const finished = await Promise.race([
      Promise.all(this.#workers).then(() => true),
      sleep(this.#clock, deadlineMs).then(() => false),
    ]);
    if (!finished)
      this.#log.warn('stop deadline passed with reconciles in flight', { inFlight: this.queue.processing });
    await Promise.all(this.#acquired.splice(0).map((s) => this.#d.informers.release(s)));
    const related = [...this.#relatedInformers.values()];
    this.#relatedInformers.clear();
    await Promise.all(
      related.map((r) => {
        r.off();
        return this.#d.informers.release(r.scope);
      }),
    );
    this.#d.metrics.queueDepth.remove(this.#labels);
    this.#d.metrics.inFlight.remove(this.#labels);
  }

  /** Replaces a primary's selectors, acquiring and releasing the shared watches they need. */
  async #setRelated(key: string, selectors: ResolvedSelector[]): Promise<void> {
    const { added, removed } = this.#related.set(key, selectors);
    if (this.#stopping.signal.aborted) return;
    for (const need of added) {
      const scope: KindScope = { apiVersion: need.apiVersion, kind: need.kind, namespace: need.namespace };
      const informer = this.#d.informers.acquire(scope);
      const off = informer.subscribe((delta) => {
        const keys = new Set(this.#related.primariesMatching(delta.object));
        if (delta.type === 'modified')
          for (const k of this.#related.primariesMatching(delta.old)) keys.add(k);
        for (const k of keys) this.#enqueue(k, { type: 'related', ref: refOf(delta.object) });
      });
      this.#relatedInformers.set(needId(need), { informer, scope, off });
    }
    await Promise.all(
      removed.map((need) => {
        const entry = this.#relatedInformers.get(needId(need));
        if (!entry) return Promise.resolve();
        this.#relatedInformers.delete(needId(need));
        entry.off();
        return this.#d.informers.release(entry.scope);
      }),
    );
  }

  /** The cached objects matching a primary's selectors (each watch synced first). */
  async #relatedOf(key: string): Promise<KObject[]> {
    const out = new Map<string, KObject>();
    for (const sel of this.#related.get(key)) {
      const entry = this.#relatedInformers.get(needId({ ...sel }));
      if (!entry) continue;
      await entry.informer.waitForSync(this.#stopping.signal);
      const candidates =
        sel.name !== undefined
          ? [entry.informer.store.get(objectKey(sel.namespace, sel.name))].filter((o) => o !== undefined)
          : entry.informer.store.list();
      for (const obj of candidates) if (matches(sel, obj)) out.set(`${kindId(obj)} ${storeKey(obj)}`, obj);
    }
    return [...out.values()];
  }

  #acquire(scope: KindScope): SharedInformer {
    this.#acquired.push(scope);
    return this.#d.informers.acquire(scope);
  }

  #primaryByUid(uid: string): KObject | undefined {
    for (const informer of this.#primaryInformers) {
      const found = informer.store.byIndex(UID_INDEX, uid)[0];
      if (found) return found;
    }
    return undefined;
  }

  #primary(key: string): KObject | undefined {
    for (const informer of this.#primaryInformers) {
      const found = informer.store.get(key);
      if (found) return found;
    }
    return undefined;
  }

  #owned(primary: KObject): KObject[] {
    const uid = primary.metadata.uid;
    if (!uid) return [];
    const out = new Map<string, KObject>();
    for (const informer of this.#ownedInformers)
      for (const obj of informer.store.byIndex(OWNER_INDEX, uid))
        out.set(`${kindId(obj)} ${storeKey(obj)}`, obj);
    return [...out.values()];
  }

  #enqueue(key: string, trigger: Trigger): void {
    if (!this.#triggers.has(key)) this.#triggers.set(key, trigger);
    this.queue.add(key);
    this.#d.metrics.queueDepth.set(this.#labels, this.queue.length);
  }

  async #work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      this.#d.metrics.queueDepth.set(this.#labels, this.queue.length);
      this.#d.metrics.inFlight.inc(this.#labels);
      try {
        await this.#reconcile(key);
      } catch (error) {
        // #reconcile handles its failures; this is a bug guard so a worker loop never dies.
        this.#log.error('unexpected reconcile failure', { key, error });
        this.queue.addRateLimited(key);
      } finally {
        this.#d.metrics.inFlight.dec(this.#labels);
        this.queue.done(key);
        this.#d.metrics.queueDepth.set(this.#labels, this.queue.length);
      }
    }
  }

  async #reconcile(key: string): Promise<void> {
    const trigger: Trigger = this.#triggers.get(key) ?? { type: 'primary' };
    this.#triggers.delete(key);
    const primary = this.#primary(key);
    const primaryResource = this.#primaryResource;
    if (!primary || !primaryResource) {
      this.queue.forget(key);
      return;
    }
    const spec = this.config.spec;
    const finalizer = `zeroloop.dev/${spec.reconciler}`;
    const finalizing = primary.metadata.deletionTimestamp !== undefined;
    const holdsFinalizer = primary.metadata.finalizers?.includes(finalizer) ?? false;
    if (finalizing && !(spec.finalizer && holdsFinalizer)) {
      // Being deleted without our finalizer: the garbage collector removes the children.
      this.queue.forget(key);
      return;
    }
    const started = this.#clock.now();
    const traceparent = newTraceparent();
    const log = this.#log.child({ key, traceparent });
    const owned = this.#owned(primary);
    let result: ReconcileResult = 'success';
    try {
      if (spec.finalizer && !finalizing && !holdsFinalizer) {
        // Before the first call, so a deletion can never skip the finalizing call.
        await setFinalizer(this.#d.client, {
          key,
          reconciler: spec.reconciler,
          primary,
          primaryResource,
          finalizer,
          present: true,
        });
      }
      // Level-triggered even for related objects: when the answer asks for selectors other than
      // those the request was built with (first reconcile after a start, or a change), watch them
      // and ask again with their objects before applying anything. At most one extra call.
      let related: KObject[] = [];
      let response: ReconcileResponse | undefined;
      let selectors: { resolved: ResolvedSelector[]; refused: string[] } = { resolved: [], refused: [] };
      for (let pass = 0; pass < 2; pass++) {
        const used = selectorsKey(this.#related.get(key));
        related = await this.#relatedOf(key);
        response = await this.#call(
          key,
          buildRequest({ primary, owned, related, trigger, finalizing }),
          traceparent,
        );
        selectors = resolveSelectors({
          selectors: response.related,
          primary,
          reads: spec.reads,
          namespaced: new Map([...this.#readResources].map(([id, r]) => [id, r.namespaced])),
          namespaces: spec.namespaces,
        });
        if (selectorsKey(selectors.resolved) === used) break;
        await this.#setRelated(key, selectors.resolved);
      }
      if (!response) throw new Error('no answer');
      const placed = checkScope({
        key,
        primary,
        desired: response.desired,
        owns: spec.owns,
        namespaced: new Map([...this.#resources].map(([id, r]) => [id, r.namespaced])),
        namespaces: spec.namespaces,
      });
      const desired = placed.map((p) => stamp(p.object, primary, spec.reconciler, p.namespace));
      const applied = await this.#d.applier.apply({
        key,
        reconciler: spec.reconciler,
        primary,
        primaryResource,
        desired,
        owned,
        resources: this.#resources,
        status: response.status,
      });
      for (const event of response.events) void this.#event(primary, event, log);
      if (selectors.refused.length > 0) {
        this.#d.metrics.relatedRefused.inc(this.#labels, selectors.refused.length);
        const message = `related selectors refused: ${selectors.refused.join('; ')}; add the kind to the Reconciler's reads or fix the reconciler`;
        log.warn('related selectors refused', { refused: selectors.refused });
        void this.#event(primary, { type: 'Warning', reason: 'RelatedSelectorRefused', message }, log);
      }
      await this.#setRelated(key, selectors.resolved);
      if (finalizing && response.finalized) {
        await setFinalizer(this.#d.client, {
          key,
          reconciler: spec.reconciler,
          primary,
          primaryResource,
          finalizer,
          present: false,
        });
        await this.#setRelated(key, []);
        log.info('finalized', { finalizer });
      }
      if (response.requeueAfterMs !== null) {
        this.queue.addAfter(key, response.requeueAfterMs);
        this.#d.metrics.requeueAfter.inc(this.#labels);
      }
      this.queue.forget(key);
      log.info('reconciled', {
        trigger: trigger.type,
        applied: applied.applied,
        related: related.length,
        finalizing,
        pruned: applied.pruned,
        statusWritten: applied.statusWritten,
        requeueAfterMs: response.requeueAfterMs,
        durationMs: this.#clock.now() - started,
      });
    } catch (error) {
      result = resultOf(error);
      if (!this.#triggers.has(key)) this.#triggers.set(key, trigger);
      const retryAfterMs = error instanceof DispatchError ? error.retryAfterMs : undefined;
      const delay = this.queue.addRateLimited(key, retryAfterMs);
      if (error instanceof ScopeRejected) this.#d.metrics.scopeRejections.inc(this.#labels);
      if (error instanceof ApplyFailed) this.#d.metrics.applyErrors.inc(this.#labels);
      log.warn('reconcile failed', {
        trigger: trigger.type,
        result,
        error,
        retryInMs: delay,
        durationMs: this.#clock.now() - started,
      });
      const reason =
        error instanceof DispatchError
          ? error.reason
          : error instanceof Error
            ? error.name
            : 'ReconcileError';
      void this.#event(
        primary,
        { type: 'Warning', reason, message: error instanceof Error ? error.message : String(error) },
        log,
      );
    } finally {
      const durationMs = this.#clock.now() - started;
      this.#d.metrics.reconciles.inc({ ...this.#labels, result });
      this.#d.metrics.reconcileDuration.observe(this.#labels, durationMs / 1000);
      for (const observer of this.onReconcile) observer({ key, trigger, result, durationMs });
    }
  }

  /** One worker call, with its metrics. */
  async #call(key: string, request: ReconcileRequest, traceparent: string): Promise<ReconcileResponse> {
    const spec = this.config.spec;
    const callStarted = this.#clock.now();
    try {
      const response = await this.#d.dispatcher.reconcile(
        {
          reconciler: spec.reconciler,
          endpoint: spec.endpoint,
          signingKey: this.config.signingKey,
          timeoutMs: spec.timeoutSeconds * 1000,
        },
        key,
        request,
        traceparent,
      );
      this.#d.metrics.workerRequests.inc({ ...this.#labels, outcome: 'ok' });
      return response;
    } catch (error) {
      this.#d.metrics.workerRequests.inc({
        ...this.#labels,
        outcome: error instanceof DispatchError ? error.name : 'error',
      });
      throw error;
    } finally {
      this.#d.metrics.workerDuration.observe(this.#labels, (this.#clock.now() - callStarted) / 1000);
    }
  }

  async #event(primary: KObject, event: EventSpec, log: Logger): Promise<void> {
    try {
      await this.#d.recorder.record(primary, event);
    } catch (error) {
      log.warn('could not record event', { reason: event.reason, error });
    }
  }
}

function resultOf(error: unknown): ReconcileResult {
  if (error instanceof ScopeRejected) return 'scope_rejected';
  if (error instanceof ApplyFailed) return 'apply_error';
  if (error instanceof DispatchError) {
    switch (error.name) {
      case 'WorkerUnavailable':
        return 'worker_unavailable';
      case 'WorkerTimeout':
        return 'worker_timeout';
      case 'Throttled':
        return 'throttled';
      case 'ReconcilerFailed':
        return 'reconciler_error';
      case 'ReconcilerTrapped':
        return 'reconciler_trap';
      case 'InvalidAnswer':
        return 'invalid_answer';
      case 'RequestRejected':
        return 'request_rejected';
    }
  }
  return 'error';
}
