// One controller's related-selector watches: each primary's selectors, the shared informers they need, and the primaries a change wakes.
import { kindId, objectKey, refOf } from '../../src/keys.ts';
import type { ObjectRef } from '../../src/protocol/schemas.ts';
import type { KindScope } from '../kube/list-watch.ts';
import type { KObject } from '../kube/object.ts';
import type { InformerFactory, SharedInformer } from '../watch/informer.ts';
import { storeKey } from '../watch/store.ts';
import type { ResolvedSelector } from './related.ts';
import { matches, needId, RelatedSelectors } from './related.ts';

/**
 * Acquires a shared informer when a selector first needs its (kind, namespace) and releases it
 * when no selector of this controller needs it any more. A change seen by one of these informers
 * calls `wake` for every primary whose selectors match the object (before or after the change).
 */
export class RelatedWatches {
  #informers: InformerFactory;
  #signal: AbortSignal;
  #wake: (key: string, ref: ObjectRef) => void;
  #selectors = new RelatedSelectors();
  #watches = new Map<string, { informer: SharedInformer; scope: KindScope; off: () => void }>();

  /** `signal` aborts when the controller stops: no watch is acquired after that. */
  constructor(options: {
    informers: InformerFactory;
    signal: AbortSignal;
    wake: (key: string, ref: ObjectRef) => void;
  }) {
    this.#informers = options.informers;
    this.#signal = options.signal;
    this.#wake = options.wake;
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
        for (const k of keys) this.#wake(k, refOf(delta.object));
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
      await entry.informer.waitForSync(this.#signal);
      const candidates =
        sel.name !== undefined
          ? [entry.informer.store.get(objectKey(sel.namespace, sel.name))].filter((o) => o !== undefined)
          : entry.informer.store.list();
      for (const obj of candidates) if (matches(sel, obj)) out.set(`${kindId(obj)} ${storeKey(obj)}`, obj);
    }
    return [...out.values()];
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
