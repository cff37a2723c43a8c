// The finalizer steps of a reconcile: which call a primary gets, adding the Reconciler's finalizer first, removing it once finalized.
//
// Expected flow (with `finalizer: true` on the Reconciler), for one primary:
// The name is the descriptor's `finalizerName` when it declares one (finalizer-name.ts), else
// `zeroloop.dev/<reconciler>`. A primary holding either counts as holding ours: objects created
// before a migration (by an earlier operator, with the configured name) finalize, and so do objects
// from before the reconciler chose a name of its own.
// 1. `planFinalizer` on every reconcile. A primary being deleted that does not hold our finalizer
//    (or whose Reconciler has `finalizer: false`) is skipped: the garbage collector removes its
//    children, and there is no call to make.
// 2. `addFinalizer` when the plan says `add`: BEFORE the first worker call, so a deletion can never
//    skip the finalizing call. It is a server-side apply with its own field manager
//    (`zeroloop/<reconciler>-finalizer`, `metadata.finalizers` is a set), so other finalizers are kept.
// 3. While the primary is being deleted, each reconcile is a `finalizing` call; its answer's
//    `desired` is applied and pruned as usual.
// 4. `removeFinalizer` once such an answer says `finalized` (and only after that answer was applied):
//    a JSON patch that tests and removes each of our names where the cached primary has it, so a
//    finalizer another field manager added (an earlier operator's) goes too, and a list changed
//    since the cache saw it fails the test (422) and is retried.
//
// Guarantees: the finalizer is only ever removed after a finalizing answer said `finalized`; any
// failure (adding, the call, applying, removing) throws and the caller retries with backoff, so
// nothing removes the finalizer early.
// Caveats: removing it from a primary already gone (404) counts as done. Turning `finalizer` off
// on a Reconciler leaves the finalizer on existing primaries and makes no more finalizing calls:
// their deletion then waits until someone removes it. A reconciler that never answers `finalized`
// blocks the deletion too (as with any Kubernetes finalizer).
import { removeFinalizers, setFinalizer } from '../apply/finalizer.ts';
import type { KubeRequester } from '../kube/client.ts';
import type { ResourceInfo } from '../kube/discovery.ts';
import type { KObject } from '../kube/object.ts';
import { defaultFinalizerName } from './finalizer-name.ts';

/** What the finalizer means for one reconcile of a primary. */
export interface FinalizerPlan {
  /** The Reconciler's finalizer: the descriptor's name, else `zeroloop.dev/<reconciler>`. */
  finalizer: string;
  /** Our names the primary holds (the configured one and the default), to remove once finalized. */
  held: string[];
  /** The primary is being deleted: the call is a finalizing one. */
  finalizing: boolean;
  /** Being deleted without our finalizer: nothing to reconcile. */
  skip: boolean;
  /** The finalizer must be added before the worker call. */
  add: boolean;
}

/** The primary a finalizer step patches. */
export interface FinalizerTarget {
  key: string;
  reconciler: string;
  primary: KObject;
  primaryResource: ResourceInfo;
}

/** `finalizerName`: the descriptor's, checked (finalizer-name.ts); undefined: the default. */
export function planFinalizer(
  primary: KObject,
  spec: { reconciler: string; finalizer: boolean },
  finalizerName?: string,
): FinalizerPlan {
  const fallback = defaultFinalizerName(spec.reconciler);
  const finalizer = finalizerName ?? fallback;
  const finalizing = primary.metadata.deletionTimestamp !== undefined;
  const held = [...new Set([finalizer, fallback])].filter((f) => primary.metadata.finalizers?.includes(f));
  const holds = held.length > 0;
  return {
    finalizer,
    held,
    finalizing,
    skip: finalizing && !(spec.finalizer && holds),
    add: spec.finalizer && !finalizing && !holds,
  };
}

/** Adds the finalizer (step 2); throws ApplyFailed on failure. */
export async function addFinalizer(
  client: KubeRequester,
  target: FinalizerTarget,
  plan: FinalizerPlan,
): Promise<void> {
  await setFinalizer(client, { ...target, finalizer: plan.finalizer, present: true });
}

/** Removes the finalizer (step 4); a primary already gone counts as done; throws ApplyFailed otherwise. */
export async function removeFinalizer(
  client: KubeRequester,
  target: FinalizerTarget,
  plan: FinalizerPlan,
): Promise<void> {
  await removeFinalizers(client, { ...target, finalizers: plan.held });
}
