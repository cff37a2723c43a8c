// Finds objects by label equality without scanning them all: label name → value → keys of the objects carrying it.
import type { KObject } from '../kube/object.ts';

export class LabelIndex {
  /** label name → label value → object keys. Names and values are the objects' own strings, not copies. */
  #index = new Map<string, Map<string, Set<string>>>();

  add(key: string, obj: KObject): void {
    for (const [name, value] of Object.entries(obj.metadata.labels ?? {})) {
      let values = this.#index.get(name);
      if (!values) this.#index.set(name, (values = new Map<string, Set<string>>()));
      let keys = values.get(value);
      if (!keys) values.set(value, (keys = new Set<string>()));
      keys.add(key);
    }
  }

  remove(key: string, obj: KObject): void {
    for (const [name, value] of Object.entries(obj.metadata.labels ?? {})) {
      const values = this.#index.get(name);
      const keys = values?.get(value);
      if (!values || !keys) continue;
      keys.delete(key);
      if (keys.size === 0) values.delete(value);
      if (values.size === 0) this.#index.delete(name);
    }
  }

  /**
   * Keys of the objects carrying every pair of `matchLabels`, or undefined for an empty selector
   * (which matches everything: the caller lists). Walks only the smallest pair's keys.
   */
  keysMatching(matchLabels: Readonly<Record<string, string>>): Set<string> | undefined {
    const sets: Set<string>[] = [];
    for (const [name, value] of Object.entries(matchLabels)) {
      const keys = this.#index.get(name)?.get(value);
      if (!keys) return new Set();
      sets.push(keys);
    }
    if (sets.length === 0) return undefined;
    sets.sort((a, b) => a.size - b.size);
    const [smallest, ...rest] = sets;
    const out = new Set<string>();
    for (const key of smallest ?? []) if (rest.every((s) => s.has(key))) out.add(key);
    return out;
  }
}
