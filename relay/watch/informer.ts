// Shares one watch and one Store per kind (and namespace scope) among all subscribers, ref-counted.
//
// Controllers `acquire` the informers they need and `release` them when they stop or their needs
// change (related selectors, later). The last release stops the watch. A subscriber that joins an
// informer that has already synced gets no replay of existing objects: it reads the store.
//
// Unowned objects: each user says whether it needs the objects that name no owner whole, or only
// their metadata (the owned-object caches: they hand reconcilers what a primary owns, and need of the
// rest only who owns it). While every user of an informer asks for metadata, such objects are cached
// as metadata only. The first user that needs them whole makes the informer list once more and put
// the bodies back (it counts as synced again after that); when the last such user leaves, the
// bodies are dropped again. One watch and one cache per kind either way.
import type { Clock } from '../clock.ts';
import { realClock, sleep } from '../clock.ts';
import type { KObject } from '../kube/object.ts';
import { ExponentialBackoff } from '../queue/rate-limited.ts';
import type { KindScope } from './list-watch.ts';
import type { OwnedPredicate } from './metadata-only.ts';
import { metadataOnly } from './metadata-only.ts';
import type { Delta } from './store.ts';
import { Store } from './store.ts';
import type { ListerWatcher, RestartReason } from './watcher.ts';
import { Watcher } from './watcher.ts';

export type DeltaHandler = (delta: Delta) => void;

/** What one user of an informer needs of the objects that name no owner. */
export type UnownedNeed = 'whole' | 'metadata';

export interface AcquireOptions {
  /** Default 'whole'. 'metadata': this user reads only the metadata of objects no owner claims. */
  unowned?: UnownedNeed;
}

export interface InformerHooks {
  onListed?: (scope: KindScope, relist: boolean) => void;
  onRestart?: (scope: KindScope, reason: RestartReason) => void;
  onStall?: (scope: KindScope, silentMs: number) => void;
  onError?: (scope: KindScope, error: unknown) => void;
}

/** `apps/v1/Deployment@ns` or `apps/v1/Deployment@*`. */
export function scopeId(scope: KindScope): string {
  const selector = scope.labelSelector ? `?${scope.labelSelector}` : '';
  const fields = scope.fieldSelector ? `&${scope.fieldSelector}` : '';
  return `${scope.apiVersion}/${scope.kind}@${scope.namespace ?? '*'}${selector}${fields}`;
}

export class SharedInformer {
  readonly scope: KindScope;
  readonly store = new Store();
  #handlers = new Set<DeltaHandler>();
  #abort = new AbortController();
  #watcher: Watcher;
  #listerWatcher: ListerWatcher;
  #clock: Clock;
  #hooks: InformerHooks;
  #isOwned: OwnedPredicate | undefined;
  #running: Promise<void> | undefined;
  #synced = false;
  #onSynced: (() => void)[] = [];
  /** Users that need unowned objects whole; while 0, they are cached as metadata only. */
  #wholeUsers = 0;
  /** Some unowned object was cached as metadata only (so a user needing it whole must wait for a refill). */
  #stripped = false;
  /** The list that puts unowned bodies back, while it runs. */
  #refill: Promise<void> | undefined;

  constructor(options: {
    scope: KindScope;
    listerWatcher: ListerWatcher;
    clock?: Clock;
    hooks?: InformerHooks;
    /** The watch stall bound (Watcher's `stallMs`). */
    stallMs?: number | undefined;
    /** Which objects have an owner; without it, nothing is cached as metadata only. */
    isOwned?: OwnedPredicate | undefined;
  }) {
    this.scope = options.scope;
    const hooks = options.hooks ?? {};
    this.#hooks = hooks;
    this.#listerWatcher = options.listerWatcher;
    this.#clock = options.clock ?? realClock;
    this.#isOwned = options.isOwned;
    this.#watcher = new Watcher({
      listerWatcher: options.listerWatcher,
      store: this.store,
      ...(options.clock ? { clock: options.clock } : {}),
      transform: (obj) => this.#shape(obj),
      onDelta: (delta) => {
        for (const handler of this.#handlers) handler(delta);
      },
      onListed: (relist) => {
        hooks.onListed?.(this.scope, relist);
        if (!this.#synced) {
          this.#synced = true;
          for (const wake of this.#onSynced.splice(0)) wake();
        }
      },
      onRestart: (reason) => hooks.onRestart?.(this.scope, reason),
      onStall: (silentMs) => hooks.onStall?.(this.scope, silentMs),
      ...(options.stallMs !== undefined ? { stallMs: options.stallMs } : {}),
      onError: (error) => hooks.onError?.(this.scope, error),
    });
  }

  /** Listed once, and no refill of unowned bodies pending. */
  get hasSynced(): boolean {
    return this.#synced && this.#refill === undefined;
  }

  start(): void {
    this.#running ??= this.#watcher.run(this.#abort.signal);
  }

  /** Counts a user and what it needs of unowned objects; the first 'whole' one starts a refill if bodies were dropped. */
  join(need: UnownedNeed): void {
    if (need === 'metadata') return;
    this.#wholeUsers++;
    if (this.#wholeUsers === 1 && this.#stripped) {
      this.#refill ??= this.#refillBodies().finally(() => {
        this.#refill = undefined;
      });
    }
  }

  /** Uncounts a user; after the last 'whole' one, unowned objects are reduced to their metadata. */
  leave(need: UnownedNeed): void {
    if (need === 'metadata') return;
    this.#wholeUsers--;
    if (this.#wholeUsers > 0) return;
    for (const obj of this.store.list()) {
      const shaped = this.#shape(obj);
      if (shaped !== obj) this.store.reshape(shaped);
    }
  }

  /** What the cache keeps of `obj`. */
  #shape(obj: KObject): KObject {
    if (this.#wholeUsers > 0 || this.#isOwned === undefined || this.#isOwned(obj)) return obj;
    this.#stripped = true;
    return metadataOnly(obj);
  }

  /**
   * Lists again and puts back the bodies of the objects cached at the listed resourceVersion; an
   * object cached at an older one gets its body with the watch event that brings it up to date.
   * A failed list is retried with backoff (the informer does not count as synced meanwhile) until the
   * informer stops.
   */
  async #refillBodies(): Promise<void> {
    const signal = this.#abort.signal;
    const backoff = new ExponentialBackoff({ baseDelayMs: 500, maxDelayMs: 30_000 });
    for (;;) {
      try {
        const { items } = await this.#listerWatcher.list(signal);
        this.#stripped = false;
        for (const obj of items) this.store.reshape(this.#shape(obj));
        return;
      } catch (error) {
        if (signal.aborted) return;
        this.#hooks.onError?.(this.scope, error);
        try {
          await sleep(this.#clock, backoff.when('refill'), signal);
        } catch {
          return;
        }
      }
    }
  }

  /** Adds a handler for future deltas; returns its unsubscribe function. */
  subscribe(handler: DeltaHandler): () => void {
    this.#handlers.add(handler);
    return () => {
      this.#handlers.delete(handler);
    };
  }

  /** Resolves after the first successful list and any refill of unowned bodies (or at once if `signal` aborts). */
  async waitForSync(signal?: AbortSignal): Promise<void> {
    if (!this.#synced) await whenCalledOrAborted(signal, (resolve) => this.#onSynced.push(resolve));
    const refill = this.#refill;
    if (refill) await whenCalledOrAborted(signal, (resolve) => void refill.then(resolve));
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#running;
    for (const wake of this.#onSynced.splice(0)) wake();
  }
}

/** Resolves when `arm`'s callback is called, or at once when `signal` is (or becomes) aborted. */
function whenCalledOrAborted(
  signal: AbortSignal | undefined,
  arm: (resolve: () => void) => void,
): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    arm(resolve);
    signal?.addEventListener(
      'abort',
      () => {
        resolve();
      },
      { once: true },
    );
  });
}

/** Owns the shared informers; one per scope however many controllers acquire it. */
export class InformerFactory {
  #listerWatcherFor: (scope: KindScope) => ListerWatcher;
  #clock: Clock | undefined;
  #hooks: InformerHooks;
  #stallMs: number | undefined;
  #isOwned: OwnedPredicate | undefined;
  #informers = new Map<string, { informer: SharedInformer; refs: number }>();

  constructor(options: {
    listerWatcherFor: (scope: KindScope) => ListerWatcher;
    clock?: Clock;
    hooks?: InformerHooks;
    /** Abort and resume a watch silent for this long (default 90 s, watcher.ts). */
    stallMs?: number | undefined;
    /**
     * Which objects have an owner, for users that need only the metadata of the others; without it,
     * nothing is cached as metadata only.
     */
    isOwned?: OwnedPredicate;
  }) {
    this.#listerWatcherFor = options.listerWatcherFor;
    this.#isOwned = options.isOwned;
    this.#stallMs = options.stallMs;
    this.#clock = options.clock;
    this.#hooks = options.hooks ?? {};
  }

  /** Returns the informer of `scope`, starting its watch if it is the first user. */
  acquire(scope: KindScope, options: AcquireOptions = {}): SharedInformer {
    const id = scopeId(scope);
    let entry = this.#informers.get(id);
    const fresh = !entry;
    if (!entry) {
      const informer = new SharedInformer({
        scope,
        listerWatcher: this.#listerWatcherFor(scope),
        hooks: this.#hooks,
        stallMs: this.#stallMs,
        isOwned: this.#isOwned,
        ...(this.#clock ? { clock: this.#clock } : {}),
      });
      entry = { informer, refs: 0 };
      this.#informers.set(id, entry);
    }
    entry.refs++;
    entry.informer.join(options.unowned ?? 'whole');
    if (fresh) entry.informer.start();
    return entry.informer;
  }

  /** Drops one reference (acquired with the same `options`); the last one stops the watch and forgets the cache. */
  async release(scope: KindScope, options: AcquireOptions = {}): Promise<void> {
    const id = scopeId(scope);
    const entry = this.#informers.get(id);
    if (!entry) return;
    entry.refs--;
    if (entry.refs > 0) {
      entry.informer.leave(options.unowned ?? 'whole');
      return;
    }
    this.#informers.delete(id);
    await entry.informer.stop();
  }

  /** Scope ids of the running informers, with their reference counts. */
  active(): Map<string, number> {
    return new Map([...this.#informers].map(([id, e]) => [id, e.refs]));
  }

  async stopAll(): Promise<void> {
    const all = [...this.#informers.values()];
    this.#informers.clear();
    await Promise.all(all.map((e) => e.informer.stop()));
  }
}
