// Caches objects in memory, keyed `namespace/name`, with secondary indexes (client-go's Store/Indexer).
//
// Each object is held once, in `#items`; indexes (named ones and the label index) hold only keys.
import { objectKey } from '../../src/keys.ts';
import type { KObject } from '../kube/object.ts';
import { LabelIndex } from './label-index.ts';

/** A change to the store, as seen by subscribers. */
export type Delta =
  | { type: 'added'; object: KObject }
  | { type: 'modified'; object: KObject; old: KObject }
  | { type: 'deleted'; object: KObject };

/** Maps an object to the index values it is filed under. */
export type IndexFunc = (obj: KObject) => string[];

export function storeKey(obj: KObject): string {
  return objectKey(obj.metadata.namespace, obj.metadata.name);
}

export class Store {
  #items = new Map<string, KObject>();
  #indexers = new Map<string, IndexFunc>();
  /** index name → index value → keys */
  #indices = new Map<string, Map<string, Set<string>>>();
  /** Built on the first `byLabels` call: stores nobody selects by label pay nothing for it. */
  #labels: LabelIndex | undefined;

  get size(): number {
    return this.#items.size;
  }

  get(key: string): KObject | undefined {
    return this.#items.get(key);
  }

  list(): KObject[] {
    return [...this.#items.values()];
  }

  keys(): string[] {
    return [...this.#items.keys()];
  }

  /** Adds an index; existing objects are filed under it at once. */
  addIndex(name: string, fn: IndexFunc): void {
    if (this.#indexers.has(name)) return;
    this.#indexers.set(name, fn);
    this.#indices.set(name, new Map());
    for (const [key, obj] of this.#items) this.#file(name, fn, key, obj);
  }

  /** Objects filed under `value` in index `name`. */
  byIndex(name: string, value: string): KObject[] {
    const keys = this.#indices.get(name)?.get(value);
    if (!keys) return [];
    const out: KObject[] = [];
    for (const key of keys) {
      const obj = this.#items.get(key);
      if (obj) out.push(obj);
    }
    return out;
  }

  /**
   * Objects whose labels include every pair of `matchLabels` (equality, as a wit `selector`), and
   * that are in `namespace` when one is given. An empty selector returns every object (of the
   * namespace). Served from a label index, so the cost follows the matches, not the store's size.
   */
  byLabels(matchLabels: Readonly<Record<string, string>>, namespace?: string): KObject[] {
    if (!this.#labels) {
      this.#labels = new LabelIndex();
      for (const [key, obj] of this.#items) this.#labels.add(key, obj);
    }
    const keys = this.#labels.keysMatching(matchLabels);
    const out: KObject[] = [];
    if (keys === undefined) {
      for (const obj of this.#items.values())
        if (namespace === undefined || obj.metadata.namespace === namespace) out.push(obj);
      return out;
    }
    for (const key of keys) {
      const obj = this.#items.get(key);
      if (obj && (namespace === undefined || obj.metadata.namespace === namespace)) out.push(obj);
    }
    return out;
  }

  /** Inserts or replaces; returns the delta, or undefined when the resourceVersion is unchanged. */
  upsert(obj: KObject): Delta | undefined {
    const key = storeKey(obj);
    const old = this.#items.get(key);
    if (
      old?.metadata.resourceVersion !== undefined &&
      old.metadata.resourceVersion === obj.metadata.resourceVersion
    )
      return undefined;
    if (old) this.#unfile(key, old);
    this.#items.set(key, obj);
    for (const [name, fn] of this.#indexers) this.#file(name, fn, key, obj);
    this.#labels?.add(key, obj);
    return old ? { type: 'modified', object: obj, old } : { type: 'added', object: obj };
  }

  /**
   * Swaps in another shape of the cached object at the same resourceVersion (the informer changed
   * what it keeps of unowned objects): no delta. The indexes stay as they are: they read metadata,
   * which both shapes share. False when the cache holds another version, or nothing, under its key.
   */
  reshape(obj: KObject): boolean {
    const key = storeKey(obj);
    const old = this.#items.get(key);
    const rv = old?.metadata.resourceVersion;
    if (rv === undefined || rv !== obj.metadata.resourceVersion) return false;
    this.#items.set(key, obj);
    return true;
  }

  delete(key: string): Delta | undefined {
    const old = this.#items.get(key);
    if (!old) return undefined;
    this.#unfile(key, old);
    this.#items.delete(key);
    return { type: 'deleted', object: old };
  }

  /**
   * Replaces the whole content with a fresh list and returns only what differs: objects that are
   * new, whose resourceVersion changed, or that disappeared. Unchanged objects produce nothing.
   */
  replace(objects: KObject[]): Delta[] {
    const deltas: Delta[] = [];
    const seen = new Set<string>();
    for (const obj of objects) {
      seen.add(storeKey(obj));
      const delta = this.upsert(obj);
      if (delta) deltas.push(delta);
    }
    for (const key of this.keys()) {
      if (seen.has(key)) continue;
      const delta = this.delete(key);
      if (delta) deltas.push(delta);
    }
    return deltas;
  }

  #file(name: string, fn: IndexFunc, key: string, obj: KObject): void {
    const index = this.#indices.get(name);
    if (!index) return;
    for (const value of fn(obj)) {
      let keys = index.get(value);
      if (!keys) index.set(value, (keys = new Set()));
      keys.add(key);
    }
  }

  #unfile(key: string, obj: KObject): void {
    this.#labels?.remove(key, obj);
    for (const [name, fn] of this.#indexers) {
      const index = this.#indices.get(name);
      if (!index) continue;
      for (const value of fn(obj)) {
        const keys = index.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index.delete(value);
      }
    }
  }
}
