// Shares one watch and one Store per kind (and namespace scope) among all subscribers, ref-counted.
//
// Controllers `acquire` the informers they need and `release` them when they stop or their needs
// change (related selectors, later). The last release stops the watch. A subscriber that joins an
// informer that has already synced gets no replay of existing objects: it reads the store.
import type { Clock } from '../clock.ts';
import type { KindScope } from './list-watch.ts';
import type { Delta } from './store.ts';
import { Store } from './store.ts';
import type { ListerWatcher, RestartReason } from './watcher.ts';
import { Watcher } from './watcher.ts';

export type DeltaHandler = (delta: Delta) => void;

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
  #running: Promise<void> | undefined;
  #synced = false;
  #onSynced: (() => void)[] = [];

  constructor(options: {
    scope: KindScope;
    listerWatcher: ListerWatcher;
    clock?: Clock;
    hooks?: InformerHooks;
    /** The watch stall bound (Watcher's `stallMs`). */
    stallMs?: number | undefined;
  }) {
    this.scope = options.scope;
    const hooks = options.hooks ?? {};
    this.#watcher = new Watcher({
      listerWatcher: options.listerWatcher,
      store: this.store,
      ...(options.clock ? { clock: options.clock } : {}),
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

  get hasSynced(): boolean {
    return this.#synced;
  }

  start(): void {
    this.#running ??= this.#watcher.run(this.#abort.signal);
  }

  /** Adds a handler for future deltas; returns its unsubscribe function. */
  subscribe(handler: DeltaHandler): () => void {
    this.#handlers.add(handler);
    return () => {
      this.#handlers.delete(handler);
    };
  }

  /** Resolves after the first successful list (or at once if `signal` aborts). */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.#synced || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      this.#onSynced.push(resolve);
      signal?.addEventListener(
        'abort',
        () => {
          resolve();
        },
        { once: true },
      );
    });
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#running;
    for (const wake of this.#onSynced.splice(0)) wake();
  }
}

/** Owns the shared informers; one per scope however many controllers acquire it. */
export class InformerFactory {
  #listerWatcherFor: (scope: KindScope) => ListerWatcher;
  #clock: Clock | undefined;
  #hooks: InformerHooks;
  #stallMs: number | undefined;
  #informers = new Map<string, { informer: SharedInformer; refs: number }>();

  constructor(options: {
    listerWatcherFor: (scope: KindScope) => ListerWatcher;
    clock?: Clock;
    hooks?: InformerHooks;
    /** Abort and resume a watch silent for this long (default 90 s, watcher.ts). */
    stallMs?: number | undefined;
  }) {
    this.#listerWatcherFor = options.listerWatcherFor;
    this.#stallMs = options.stallMs;
    this.#clock = options.clock;
    this.#hooks = options.hooks ?? {};
  }

  /** Returns the informer of `scope`, starting its watch if it is the first user. */
  acquire(scope: KindScope): SharedInformer {
    const id = scopeId(scope);
    let entry = this.#informers.get(id);
    if (!entry) {
      const informer = new SharedInformer({
        scope,
        listerWatcher: this.#listerWatcherFor(scope),
        hooks: this.#hooks,
        stallMs: this.#stallMs,
        ...(this.#clock ? { clock: this.#clock } : {}),
      });
      entry = { informer, refs: 0 };
      this.#informers.set(id, entry);
      informer.start();
    }
    entry.refs++;
    return entry.informer;
  }

  /** Drops one reference; the last one stops the watch and forgets the cache. */
  async release(scope: KindScope): Promise<void> {
    const id = scopeId(scope);
    const entry = this.#informers.get(id);
    if (!entry) return;
    entry.refs--;
    if (entry.refs > 0) return;
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
