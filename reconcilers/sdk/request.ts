// Turns the wit request, as the QuickJS guest receives it, into the parsed Request an author works with.
import { objectKey } from '../../src/keys.ts';
import type { WitExternalEvent, WitLastWrite, WitRequest, WitTrigger } from '../../src/contract/wit.ts';
import { observedAt, transition } from './conditions.ts';
import { err } from './errors.ts';
import { isRecord, ObjectSet, parseObject, pathOf } from './objects.ts';
import type {
  Condition,
  Descriptor,
  ExternalTrigger,
  JsonObject,
  LastWrite,
  Request,
  Trigger,
} from './types.ts';

/**
 * componentize-qjs hands a guest `option<T>` none as `null` (jco's host side uses `undefined`),
 * so an object-ref's namespace may be either.
 */
type GuestObjectRef = Omit<Extract<WitTrigger, { tag: 'owned' }>['val'], 'namespace'> & {
  namespace?: string | null | undefined;
};
type GuestExternalEvent = Omit<WitExternalEvent, 'summary'> & { summary?: string | null | undefined };
export type GuestTrigger =
  | { tag: 'primary' }
  | { tag: 'owned'; val: GuestObjectRef }
  | { tag: 'related'; val: GuestObjectRef }
  | { tag: 'requeue' }
  | { tag: 'external'; val: GuestExternalEvent };
/**
 * The request as the guest receives it. `config` and `lastWrite` are optional here so that a request
 * shaped for WIT 0.1 (a test's, say) still reads: absent means none and `unknown`.
 */
export type GuestRequest = Omit<WitRequest, 'trigger' | 'config' | 'lastWrite'> & {
  trigger: GuestTrigger;
  config?: string | null | undefined;
  lastWrite?: WitLastWrite | undefined;
};

function jsonOf(text: string, field: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return err(`${field} is not valid JSON text`);
  }
}

function triggerOf(trigger: GuestTrigger): Trigger {
  switch (trigger.tag) {
    case 'external': {
      const { hook, source, event, delivery, summary } = trigger.val;
      const external: ExternalTrigger = { type: 'external', hook, source, event, delivery };
      if (summary != null) external.summary = jsonOf(summary, 'request.trigger.summary');
      return external;
    }
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

function lastWriteOf(lastWrite: WitLastWrite | undefined): LastWrite {
  switch (lastWrite?.tag) {
    case undefined:
    case 'unknown':
      return { state: 'unknown' };
    case 'applied':
      return { state: 'applied' };
    case 'failed':
      return { state: 'failed', step: lastWrite.val.step, message: lastWrite.val.message };
  }
}

/** The Reconciler's config in JSON form: undefined when none; an err when it is not a JSON object. */
export function configOf(text: string | null | undefined): JsonObject | undefined {
  if (text == null) return undefined;
  const value = jsonOf(text, 'request.config');
  return isRecord(value) ? value : err('request.config must be a JSON object');
}

/**
 * Parses and checks the request; ends the reconcile with `err` on anything malformed. `readConfig`
 * gives the Reconciler's configuration as the definition reads it; it runs after the objects and
 * the trigger are checked (the Go SDK checks in the same order, so both report the same first problem).
 */
export function parseRequest<Config>(
  request: GuestRequest,
  descriptor: Descriptor,
  readConfig: (text: string | null | undefined) => Config,
): Request<Config> {
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
    config: readConfig(request.config),
    lastWrite: lastWriteOf(request.lastWrite),
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
