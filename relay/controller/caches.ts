// One controller's primary and owned-object informers (primaries indexed by uid, owned objects by owner uid) and their lookups.
import { kindId } from '../../src/keys.ts';
import { OWNER_INDEX, ownerUids, stampedByOther } from '../apply/ownership.ts';
import type { KindScope } from '../watch/list-watch.ts';
import type { KObject } from '../kube/object.ts';
import type { AcquireOptions, DeltaHandler, InformerFactory, SharedInformer } from '../watch/informer.ts';
import { storeKey } from '../watch/store.ts';
import type { ReconcilerSpec } from '../api/reconciler.ts';
import type { Clock } from '../clock.ts';
import type { Discovery, ResourceInfo } from '../kube/discovery.ts';
import type { Logger } from '../observe/log.ts';
import { type ControllerKinds, discoverKinds } from './kinds.ts';

const UID_INDEX = 'uid';

/**
 * Acquires one shared informer per primary or owned scope and subscribes the controller's
 * handler; `unsubscribe` then `release` undo it (in that order when the controller stops, with
 * the in-flight reconciles finishing between the two).
 */
export class ControllerCaches {
  #informers: InformerFactory;
  #primaries: SharedInformer[] = [];
  #owned: SharedInformer[] = [];
  #acquired: { scope: KindScope; options: AcquireOptions }[] = [];
  #unsubscribe: (() => void)[] = [];

  constructor(informers: InformerFactory) {
    this.#informers = informers;
  }

  /**
   * Resolves the Reconciler's kinds (retrying with backoff until they exist), watches them and waits
   * until every cache has listed; undefined once `signal` aborts.
   */
  async start(o: {
    discovery: Discovery;
    spec: ReconcilerSpec;
    clock: Clock;
    log: Logger;
    signal: AbortSignal;
    handlers: { primary: DeltaHandler; owned: DeltaHandler };
  }): Promise<ControllerKinds | undefined> {
    const { signal } = o;
    const kinds = await discoverKinds(o);
    // stop() may have run while discovery was pending: acquire nothing then.
    if (!kinds || signal.aborted) return undefined;
    this.watch(kinds, o.spec.namespaces, o.handlers);
    await this.waitForSync(signal);
    return o.signal.aborted ? undefined : kinds;
  }

  /** Watches the primaries and the owned kinds in each namespace in scope (every namespace when `namespaces` is empty). */
  watch(
    kinds: ControllerKinds,
    namespaces: readonly string[],
    handlers: { primary: DeltaHandler; owned: DeltaHandler },
  ): void {
    const scoped = namespaces.length > 0 ? namespaces : [undefined];
    const scopesOf = (r: ResourceInfo): KindScope[] =>
      r.namespaced ? scoped.map((namespace) => ({ apiVersion: r.apiVersion, kind: r.kind, namespace })) : [r];
    for (const scope of scopesOf(kinds.primary)) this.watchPrimaries(scope, handlers.primary);
    for (const r of kinds.owns.values())
      for (const scope of scopesOf(r)) this.watchOwned(scope, handlers.owned);
  }

  watchPrimaries(scope: KindScope, handler: DeltaHandler): void {
    const informer = this.#acquire(scope);
    informer.store.addIndex(UID_INDEX, (o) => (o.metadata.uid ? [o.metadata.uid] : []));
    this.#primaries.push(informer);
    this.#unsubscribe.push(informer.subscribe(handler));
  }

  /**
   * Of the objects that no primary owns, the owned caches need only the metadata: `live` tells who
   * owns them, nothing hands their bodies to a reconciler. So they are cached as metadata only,
   * unless another user of the same watch (a related selector) needs them whole.
   */
  watchOwned(scope: KindScope, handler: DeltaHandler): void {
    const informer = this.#acquire(scope, { unowned: 'metadata' });
    informer.store.addIndex(OWNER_INDEX, ownerUids);
    this.#owned.push(informer);
    this.#unsubscribe.push(informer.subscribe(handler));
  }

  /** Resolves once every primary and owned cache has listed (rejects if `signal` aborts first). */
  async waitForSync(signal: AbortSignal): Promise<void> {
    await Promise.all([...this.#primaries, ...this.#owned].map((inf) => inf.waitForSync(signal)));
  }

  /** The keys of the primaries cached now, informer by informer. */
  primaryKeys(): string[] {
    return this.#primaries.flatMap((informer) => informer.store.keys());
  }

  /** The cached primaries carrying every label of `matchLabels` (`{}`: all), from each store's label index. */
  primariesByLabels(matchLabels: Readonly<Record<string, string>>): KObject[] {
    return this.#primaries.flatMap((informer) => informer.store.byLabels(matchLabels));
  }

  get primaryCount(): number {
    return this.#primaries.reduce((n, i) => n + i.store.size, 0);
  }

  primary(key: string): KObject | undefined {
    for (const informer of this.#primaries) {
      const found = informer.store.get(key);
      if (found) return found;
    }
    return undefined;
  }

  primaryByUid(uid: string): KObject | undefined {
    for (const informer of this.#primaries) {
      const found = informer.store.byIndex(UID_INDEX, uid)[0];
      if (found) return found;
    }
    return undefined;
  }

  /**
   * The cached objects a primary owns (controller ownerReference or owner label), less those
   * another Reconciler of the same primary stamped: their children are kept apart.
   */
  owned(primary: KObject, reconciler: string): KObject[] {
    const uid = primary.metadata.uid;
    if (!uid) return [];
    const out = new Map<string, KObject>();
    for (const informer of this.#owned)
      for (const obj of informer.store.byIndex(OWNER_INDEX, uid))
        if (!stampedByOther(obj, reconciler)) out.set(`${kindId(obj)} ${storeKey(obj)}`, obj);
    return [...out.values()];
  }

  /** The cached object of `obj`'s kind, namespace and name, whoever owns it. */
  live(obj: KObject): KObject | undefined {
    const key = storeKey(obj);
    for (const informer of this.#owned) {
      const s = informer.scope;
      if (s.apiVersion !== obj.apiVersion || s.kind !== obj.kind) continue;
      if (s.namespace !== undefined && s.namespace !== obj.metadata.namespace) continue;
      const found = informer.store.get(key);
      if (found) return found;
    }
    return undefined;
  }

  /** Stops delivering deltas to the controller. */
  unsubscribe(): void {
    for (const off of this.#unsubscribe.splice(0)) off();
  }

  /** Releases every informer acquired. */
  async release(): Promise<void> {
    await Promise.all(
      this.#acquired.splice(0).map(({ scope, options }) => this.#informers.release(scope, options)),
    );
  }

  #acquire(scope: KindScope, options: AcquireOptions = {}): SharedInformer {
    this.#acquired.push({ scope, options });
    return this.#informers.acquire(scope, options);
  }
}
