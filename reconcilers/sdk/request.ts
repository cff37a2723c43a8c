// Turns the wit request, as the QuickJS guest receives it, into the parsed Request an author works with.
import { objectKey } from '../../src/keys.ts';
import type { WitRequest, WitTrigger } from '../../src/contract/wit.ts';
import { observedAt, transition } from './conditions.ts';
import { err } from './errors.ts';
import { ObjectSet, parseObject, pathOf } from './objects.ts';
import type { Condition, Descriptor, Request, Trigger } from './types.ts';

/**
 * componentize-qjs hands a guest `option<T>` none as `null` (jco's host side uses `undefined`),
 * so an object-ref's namespace may be either.
 */
type GuestObjectRef = Omit<Extract<WitTrigger, { tag: 'owned' }>['val'], 'namespace'> & {
  namespace?: string | null | undefined;
};
export type GuestTrigger =
  | { tag: 'primary' }
  | { tag: 'owned'; val: GuestObjectRef }
  | { tag: 'related'; val: GuestObjectRef }
  | { tag: 'requeue' };
export type GuestRequest = Omit<WitRequest, 'trigger'> & { trigger: GuestTrigger };

function triggerOf(trigger: GuestTrigger): Trigger {
  switch (trigger.tag) {
    case 'owned':
    case 'related': {
      const { apiVersion, kind, namespace, name } = trigger.val;
      return {
        type: trigger.tag,
        ref: namespace == null ? { apiVersion, kind, name } : { apiVersion, kind, namespace, name },
      };
    }
    case 'primary':
    case 'requeue':
      return { type: trigger.tag };
  }
}

/** Parses and checks the request; ends the reconcile with `err` on anything malformed. */
export function parseRequest(request: GuestRequest, descriptor: Descriptor): Request {
  const primary = parseObject(request.primary, 'request.primary');
  const want = descriptor.primary;
  const key = objectKey(primary.metadata.namespace, primary.metadata.name);
  if (primary.apiVersion !== want.apiVersion || primary.kind !== want.kind) {
    err(
      `request.primary is ${primary.apiVersion} ${primary.kind} ${key}, but reconciler "${descriptor.name}" ` +
        `reconciles ${want.apiVersion} ${want.kind}: check the Reconciler resource's primary kind`,
    );
  }
  const owned = request.owned.map((text, i) => parseObject(text, `request.owned[${i}]`));
  const related = request.related.map((text, i) => parseObject(text, `request.related[${i}]`));
  let now: string | undefined;
  const observed = (): string => (now ??= observedAt([primary, ...owned, ...related]));
  const generation = primary.metadata.generation;
  return {
    primary,
    key,
    owned: new ObjectSet(owned),
    related: new ObjectSet(related),
    trigger: triggerOf(request.trigger),
    finalizing: request.finalizing,
    get observedAt() {
      return observed();
    },
    condition(type: string, status: Condition['status'], reason: string, message: string): Condition {
      const next: Omit<Condition, 'lastTransitionTime'> = { type, status, reason, message };
      if (typeof generation === 'number') next.observedGeneration = generation;
      return transition(pathOf(primary, 'status', 'conditions'), next, observed());
    },
  };
}
