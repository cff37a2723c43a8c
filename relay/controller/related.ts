// Related objects: each primary's last selectors, the watches they need (ref-counted), and which primaries an object wakes.
import { kindId } from '../../src/keys.ts';
import type { KindRef, Selector } from '../../src/protocol/schemas.ts';
import type { KObject } from '../kube/object.ts';

/** A selector with its namespace resolved (none means the primary's namespace). */
export interface ResolvedSelector {
  apiVersion: string;
  kind: string;
  namespace: string | undefined;
  name: string | undefined;
  matchLabels: Record<string, string>;
}

export function matches(sel: ResolvedSelector, obj: KObject): boolean {
  if (obj.apiVersion !== sel.apiVersion || obj.kind !== sel.kind) return false;
  if (sel.namespace !== undefined && obj.metadata.namespace !== sel.namespace) return false;
  if (sel.name !== undefined && obj.metadata.name !== sel.name) return false;
  const labels = obj.metadata.labels ?? {};
  return Object.entries(sel.matchLabels).every(([k, v]) => labels[k] === v);
}

export interface ResolveInput {
  selectors: Selector[];
  primary: KObject;
  /** The Reconciler's `reads`. */
  reads: KindRef[];
  /** Whether each read kind is namespaced (kindId → namespaced), from discovery. */
  namespaced: ReadonlyMap<string, boolean>;
  /** The Reconciler's namespaces; empty means any. */
  namespaces: readonly string[];
}

/** Resolves selectors; those outside `reads` or the namespaces in scope are refused, with a reason each. */
export function resolveSelectors(input: ResolveInput): { resolved: ResolvedSelector[]; refused: string[] } {
  const reads = new Set(input.reads.map(kindId));
  const resolved: ResolvedSelector[] = [];
  const refused: string[] = [];
  for (const s of input.selectors) {
    const id = kindId(s);
    if (!reads.has(id)) {
      refused.push(`${id}: not in the Reconciler's reads`);
      continue;
    }
    const namespaced = input.namespaced.get(id);
    if (namespaced === undefined) {
      refused.push(`${id}: unknown to the apiserver`);
      continue;
    }
    const namespace = namespaced ? (s.namespace ?? input.primary.metadata.namespace) : undefined;
    if (namespaced && namespace === undefined) {
      refused.push(`${id}: a namespaced kind needs a namespace when the primary is cluster-scoped`);
      continue;
    }
    if (namespace !== undefined && input.namespaces.length > 0 && !input.namespaces.includes(namespace)) {
      refused.push(`${id}: namespace ${namespace} is not in the Reconciler's namespaces`);
      continue;
    }
    resolved.push({
      apiVersion: s.apiVersion,
      kind: s.kind,
      namespace,
      name: s.name,
      matchLabels: s.matchLabels,
    });
  }
  return { resolved, refused };
}

/** Order-insensitive identity of a selector set, to tell whether an answer changed them. */
export function selectorsKey(selectors: readonly ResolvedSelector[]): string {
  return JSON.stringify(
    selectors
      .map((s) => [
        s.apiVersion,
        s.kind,
        s.namespace ?? '',
        s.name ?? '',
        Object.entries(s.matchLabels).sort(),
      ])
      .sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))),
  );
}

/** The watch a selector needs: its kind in its namespace (cluster-wide for cluster-scoped kinds). */
export interface WatchNeed {
  apiVersion: string;
  kind: string;
  namespace: string | undefined;
}

export function needId(n: WatchNeed): string {
  return `${n.apiVersion}/${n.kind}@${n.namespace ?? '*'}`;
}

/**
 * The selectors of every primary of one controller, and reference counts of the watches they
 * need. `set` and `delete` return the watches that became needed or unneeded, so the controller
 * acquires and releases shared informers as selectors change.
 */
export class RelatedSelectors {
  #byPrimary = new Map<string, ResolvedSelector[]>();
  #needs = new Map<string, { need: WatchNeed; refs: number }>();

  get(primaryKey: string): readonly ResolvedSelector[] {
    return this.#byPrimary.get(primaryKey) ?? [];
  }

  set(primaryKey: string, selectors: ResolvedSelector[]): { added: WatchNeed[]; removed: WatchNeed[] } {
    const before = this.#needsOf(this.#byPrimary.get(primaryKey) ?? []);
    const after = this.#needsOf(selectors);
    if (selectors.length > 0) this.#byPrimary.set(primaryKey, selectors);
    else this.#byPrimary.delete(primaryKey);
    const added: WatchNeed[] = [];
    const removed: WatchNeed[] = [];
    for (const [id, need] of after) {
      if (before.has(id)) continue;
      const entry = this.#needs.get(id);
      if (entry) entry.refs++;
      else {
        this.#needs.set(id, { need, refs: 1 });
        added.push(need);
      }
    }
    for (const [id, need] of before) {
      if (after.has(id)) continue;
      const entry = this.#needs.get(id);
      if (!entry) continue;
      if (--entry.refs === 0) {
        this.#needs.delete(id);
        removed.push(need);
      }
    }
    return { added, removed };
  }

  delete(primaryKey: string): { removed: WatchNeed[] } {
    return { removed: this.set(primaryKey, []).removed };
  }

  /** Keys of the primaries with a selector matching `obj`. */
  primariesMatching(obj: KObject): string[] {
    const out: string[] = [];
    for (const [key, selectors] of this.#byPrimary) if (selectors.some((s) => matches(s, obj))) out.push(key);
    return out;
  }

  /** Every watch needed now. */
  needs(): WatchNeed[] {
    return [...this.#needs.values()].map((e) => e.need);
  }

  #needsOf(selectors: readonly ResolvedSelector[]): Map<string, WatchNeed> {
    const out = new Map<string, WatchNeed>();
    for (const s of selectors) {
      const need = { apiVersion: s.apiVersion, kind: s.kind, namespace: s.namespace };
      out.set(needId(need), need);
    }
    return out;
  }
}
