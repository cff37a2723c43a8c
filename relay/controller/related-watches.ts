// One controller's related-selector watches: each primary's selectors, the shared informers they need, and the primaries a change wakes.
import { kindId, objectKey } from '../../src/keys.ts';
import type { KindScope } from '../watch/list-watch.ts';
import type { KObject } from '../kube/object.ts';
import type { InformerFactory, SharedInformer } from '../watch/informer.ts';
import { scopeId } from '../watch/informer.ts';
import type { Delta } from '../watch/store.ts';
import { storeKey } from '../watch/store.ts';
import type { ResolvedSelector } from './related.ts';
import { matches, needId, RelatedSelectors } from './related.ts';

/** A related watch did not list in time; the reconcile fails and is retried with backoff. */
export class RelatedWatchNotSynced extends Error {
  override readonly name = 'RelatedWatchNotSynced';
  readonly key: string;
  constructor(key: string, scope: string, timeoutMs: number) {
    super(
      `related objects for ${key}: the watch of ${scope} has not listed within ${timeoutMs} ms; ` +
        "check that the kind exists and the relay's RBAC allows list and watch on it; retrying",
    );
    this.key = key;
  }
}

/**
 * Acquires a shared informer when a selector first needs its (kind, namespace) and releases it
 * when no selector of this controller needs it any more. A change seen by one of these informers
 * calls `wake` once with every primary whose selectors match the object (before or after the change).
 */
export class RelatedWatches {
  #informers: InformerFactory;
  #signal: AbortSignal;
  #wake: (keys: string[], delta: Delta) => void;
  #syncTimeoutMs: number;
  #selectors = new RelatedSelectors();
  #watches = new Map<string, { informer: SharedInformer; scope: KindScope; off: () => void }>();

  /** `signal` aborts when the controller stops: no watch is acquired after that. */
  constructor(options: {
    informers: InformerFactory;
    signal: AbortSignal;
    wake: (keys: string[], delta: Delta) => void;
    /** How long a reconcile waits for a related watch's first list (default 10 s). */
    syncTimeoutMs?: number;
  }) {
    this.#informers = options.informers;
    this.#signal = options.signal;
    this.#wake = options.wake;
    this.#syncTimeoutMs = options.syncTimeoutMs ?? 10_000;
  }

  /** A primary's current selectors. */
  selectorsOf(key: string): readonly ResolvedSelector[] {
    return this.#selectors.get(key);
  }

  /** Replaces a primary's selectors, acquiring and releasing the shared watches they need. */
  async set(key: string, selectors: ResolvedSelector[]): Promise<void> {
    const { added, removed } = this.#selectors.set(key, selectors);
    if (this.#signal.aborted) return;
    for (const need of added) {
      const scope: KindScope = { apiVersion: need.apiVersion, kind: need.kind, namespace: need.namespace };
      const informer = this.#informers.acquire(scope);
      const off = informer.subscribe((delta) => {
        const keys = new Set(this.#selectors.primariesMatching(delta.object));
        if (delta.type === 'modified')
          for (const k of this.#selectors.primariesMatching(delta.old)) keys.add(k);
        if (keys.size > 0) this.#wake([...keys], delta);
      });
      this.#watches.set(needId(need), { informer, scope, off });
    }
    await Promise.all(
      removed.map((need) => {
        const entry = this.#watches.get(needId(need));
        if (!entry) return Promise.resolve();
        this.#watches.delete(needId(need));
        entry.off();
        return this.#informers.release(entry.scope);
      }),
    );
  }

  /** The cached objects matching a primary's selectors (each watch synced first). */
  async objectsOf(key: string): Promise<KObject[]> {
    const out = new Map<string, KObject>();
    for (const sel of this.#selectors.get(key)) {
      const entry = this.#watches.get(needId({ ...sel }));
      if (!entry) continue;
      await this.#synced(key, entry.informer);
      const candidates =
        sel.name !== undefined
          ? [entry.informer.store.get(objectKey(sel.namespace, sel.name))].filter((o) => o !== undefined)
          : entry.informer.store.byLabels(sel.matchLabels, sel.namespace);
      for (const obj of candidates) if (matches(sel, obj)) out.set(`${kindId(obj)} ${storeKey(obj)}`, obj);
    }
    return [...out.values()];
  }

  /** Waits for a watch's first list, at most `syncTimeoutMs`: a kind the relay may not list must not hold a slot forever. */
  async #synced(key: string, informer: SharedInformer): Promise<void> {
    if (informer.hasSynced) return;
    const deadline = AbortSignal.timeout(this.#syncTimeoutMs);
    await informer.waitForSync(AbortSignal.any([this.#signal, deadline]));
    if (!hasSynced(informer) && !this.#signal.aborted)
      throw new RelatedWatchNotSynced(key, scopeId(informer.scope), this.#syncTimeoutMs);
  }

  /** Unsubscribes and releases every watch (the controller is stopping). */
  async releaseAll(): Promise<void> {
    const watches = [...this.#watches.values()];
    this.#watches.clear();
    await Promise.all(
      watches.map((w) => {
        w.off();
        return this.#informers.release(w.scope);
      }),
    );
  }
}

/** Read through a call: the property was narrowed before the await. */
function hasSynced(informer: SharedInformer): boolean {
  return informer.hasSynced;
}
