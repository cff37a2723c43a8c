// Which cached primaries a delivery wakes: a hook's `wake` (names, or a label selector) resolved against the controller's primary caches.
import type { HookWake, LabelSelector } from '../api/hooks.ts';
import type { KObject } from '../kube/object.ts';
import { storeKey } from '../watch/store.ts';

/** What `wake` reads of a controller: its cached primaries' keys, and those carrying given labels. */
export interface PrimaryLookup {
  primaryKeys(): string[];
  /** Cached primaries whose labels include every pair of `matchLabels` (`{}`: all). */
  primariesByLabels(matchLabels: Readonly<Record<string, string>>): KObject[];
}

/**
 * The keys of the primaries `wake` selects, sorted. A name matches the primary of that name in every
 * watched namespace; `namespace/name` matches that one primary. Primaries not cached wake nothing.
 */
export function primariesToWake(wake: HookWake, primaries: PrimaryLookup): string[] {
  if (wake.names) {
    const wanted = new Set(wake.names);
    return primaries
      .primaryKeys()
      .filter((key) => wanted.has(key) || wanted.has(key.slice(key.indexOf('/') + 1)))
      .sort();
  }
  const selector = wake.selector ?? { matchLabels: {}, matchExpressions: [] };
  return primaries
    .primariesByLabels(selector.matchLabels)
    .filter((obj) => matchesExpressions(selector, obj.metadata.labels ?? {}))
    .map(storeKey)
    .sort();
}

/** Whether `labels` satisfy every `matchExpressions` requirement (Kubernetes' semantics). */
export function matchesExpressions(
  selector: LabelSelector,
  labels: Readonly<Record<string, string>>,
): boolean {
  return selector.matchExpressions.every(({ key, operator, values }) => {
    const has = Object.hasOwn(labels, key);
    switch (operator) {
      case 'In':
        return has && values.includes(labels[key] ?? '');
      case 'NotIn':
        return !has || !values.includes(labels[key] ?? '');
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
    }
  });
}
