// The WIT contract's values as jco represents them in JavaScript, and their conversion to and from the JSON protocol.
import type {
  Descriptor,
  ExternalTrigger,
  JsonObject,
  KubeObject,
  LastWrite,
  ObjectRef,
  ReconcileRequest,
  Selector,
  Trigger,
} from '../protocol/schemas.ts';

export interface WitKindRef {
  apiVersion: string;
  kind: string;
}
export interface WitObjectRef {
  apiVersion: string;
  kind: string;
  namespace: string | undefined;
  name: string;
}
export interface WitDescriptor {
  name: string;
  version: string;
  primary: WitKindRef;
  owns: WitKindRef[];
  reads: WitKindRef[];
  finalizer: boolean;
  /** JSON text (since 0.2). */
  configSchema: string | undefined;
  finalizerName: string | undefined;
}
export interface WitExternalEvent {
  hook: string;
  source: string;
  event: string;
  delivery: string;
  /** JSON text. */
  summary: string | undefined;
}
export type WitTrigger =
  | { tag: 'primary' }
  | { tag: 'owned'; val: WitObjectRef }
  | { tag: 'related'; val: WitObjectRef }
  | { tag: 'requeue' }
  | { tag: 'external'; val: WitExternalEvent };
export type WitWriteStep = 'dry-run' | 'apply' | 'prune' | 'status';
export interface WitWriteFailure {
  step: WitWriteStep;
  message: string;
}
export type WitLastWrite = { tag: 'unknown' } | { tag: 'applied' } | { tag: 'failed'; val: WitWriteFailure };
export interface WitRequest {
  primary: string;
  owned: string[];
  related: string[];
  trigger: WitTrigger;
  finalizing: boolean;
  /** JSON text (since 0.2). */
  config: string | undefined;
  lastWrite: WitLastWrite;
}
export interface WitLabel {
  key: string;
  value: string;
}
export interface WitSelector {
  apiVersion: string;
  kind: string;
  namespace: string | undefined;
  name: string | undefined;
  matchLabels: WitLabel[];
}
export type WitEventType = 'normal' | 'warning';
export interface WitEvent {
  type: WitEventType;
  reason: string;
  message: string;
}
export interface WitResponse {
  desired: string[];
  status: string | undefined;
  related: WitSelector[];
  requeueAfterMs: number | undefined;
  finalized: boolean;
  events: WitEvent[];
}

/** The exports of an instantiated reconciler component (world `reconciler`). */
export interface ReconcilerExports {
  describe(): WitDescriptor;
  /** Returns the response; a wit `err` is thrown as an error whose `payload` is the string. */
  reconcile(request: WitRequest): WitResponse;
}

/** Instantiates one reconciler component; each call gives a fresh instance. */
export type ReconcilerFactory = () => Promise<ReconcilerExports>;

/** One component a worker runs: how to instantiate it, and the version of the WIT package it was built against. */
export interface RegisteredReconciler {
  instantiate: ReconcilerFactory;
  /** The `zeroloop:reconciler` version its imports name (`0.2.0`), as the build pipeline read it from the component. */
  wit: string;
}

/** The generated registry: reconciler name to component. */
export type ReconcilerRegistry = Readonly<Record<string, RegisteredReconciler>>;

/** A wit `result::err` surfaced by jco: an Error carrying the reconciler's message in `payload`. */
export function witErrorPayload(error: unknown): string | undefined {
  if (error instanceof Error && 'payload' in error && typeof error.payload === 'string') return error.payload;
  return undefined;
}

function refToWit(ref: ObjectRef): WitObjectRef {
  return { apiVersion: ref.apiVersion, kind: ref.kind, namespace: ref.namespace, name: ref.name };
}

function refFromWit(ref: WitObjectRef): ObjectRef {
  const out: ObjectRef = { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name };
  if (ref.namespace !== undefined) out.namespace = ref.namespace;
  return out;
}

export function triggerToWit(trigger: Trigger): WitTrigger {
  switch (trigger.type) {
    case 'owned':
    case 'related':
      return { tag: trigger.type, val: refToWit(trigger.ref) };
    case 'external': {
      const { hook, source, event, delivery, summary } = trigger;
      return {
        tag: 'external',
        val: {
          hook,
          source,
          event,
          delivery,
          summary: summary === undefined ? undefined : JSON.stringify(summary),
        },
      };
    }
    default:
      return { tag: trigger.type };
  }
}

/** The trigger in JSON form; an external summary that is not JSON text throws (a SyntaxError). */
export function triggerFromWit(trigger: WitTrigger): Trigger {
  switch (trigger.tag) {
    case 'owned':
    case 'related':
      return { type: trigger.tag, ref: refFromWit(trigger.val) };
    case 'external': {
      const { hook, source, event, delivery, summary } = trigger.val;
      const out: ExternalTrigger = { type: 'external', hook, source, event, delivery };
      if (summary !== undefined) out.summary = JSON.parse(summary);
      return out;
    }
    default:
      return { type: trigger.tag };
  }
}

export function lastWriteToWit(lastWrite: LastWrite | undefined): WitLastWrite {
  if (lastWrite === undefined) return { tag: 'unknown' };
  if (lastWrite.state === 'failed')
    return { tag: 'failed', val: { step: lastWrite.step, message: lastWrite.message } };
  return { tag: lastWrite.state };
}

export function lastWriteFromWit(lastWrite: WitLastWrite): LastWrite {
  if (lastWrite.tag === 'failed')
    return { state: 'failed', step: lastWrite.val.step, message: lastWrite.val.message };
  return { state: lastWrite.tag };
}

const json = (obj: KubeObject): string => JSON.stringify(obj);

/** The JSON request as the component receives it. */
export function requestToWit(request: ReconcileRequest): WitRequest {
  return {
    primary: json(request.primary),
    owned: request.owned.map(json),
    related: request.related.map(json),
    trigger: triggerToWit(request.trigger),
    finalizing: request.finalizing,
    config: request.config === undefined ? undefined : JSON.stringify(request.config),
    lastWrite: lastWriteToWit(request.lastWrite),
  };
}

/** The component's request in JSON form (guest side and tests). Objects are parsed, not validated. */
export function requestFromWit(request: WitRequest): {
  primary: unknown;
  owned: unknown[];
  related: unknown[];
  trigger: Trigger;
  finalizing: boolean;
  config?: unknown;
  lastWrite: LastWrite;
} {
  const parse = (text: string): unknown => JSON.parse(text);
  return {
    primary: parse(request.primary),
    owned: request.owned.map(parse),
    related: request.related.map(parse),
    trigger: triggerFromWit(request.trigger),
    finalizing: request.finalizing,
    ...(request.config === undefined ? {} : { config: parse(request.config) }),
    lastWrite: lastWriteFromWit(request.lastWrite),
  };
}

function parseObjectJson(text: string, field: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidAnswerError(`${field} is not valid JSON text`);
  }
}

function selectorFromWit(selector: WitSelector): Selector {
  const out: Selector = {
    apiVersion: selector.apiVersion,
    kind: selector.kind,
    matchLabels: Object.fromEntries(selector.matchLabels.map((l) => [l.key, l.value])),
  };
  if (selector.namespace !== undefined) out.namespace = selector.namespace;
  if (selector.name !== undefined) out.name = selector.name;
  return out;
}

/** Raised when a component's answer cannot be represented in the protocol. */
export class InvalidAnswerError extends Error {
  override readonly name = 'InvalidAnswerError';
}

/**
 * The component's answer in JSON form, not yet validated: callers must parse it with
 * `ReconcileResponse`. Throws InvalidAnswerError when an object-json field is not JSON.
 */
export function responseFromWit(response: WitResponse): unknown {
  return {
    desired: response.desired.map((text, i) => parseObjectJson(text, `desired[${i}]`)),
    status: response.status === undefined ? null : parseObjectJson(response.status, 'status'),
    related: response.related.map(selectorFromWit),
    requeueAfterMs: response.requeueAfterMs ?? null,
    finalized: response.finalized,
    events: response.events.map((e) => ({
      type: e.type === 'warning' ? 'Warning' : 'Normal',
      reason: e.reason,
      message: e.message,
    })),
  };
}

/**
 * The descriptor in JSON form, not yet validated: callers must parse it with `Descriptor`. A 0.1
 * component's descriptor has neither `configSchema` nor `finalizerName` (both come out absent).
 * Throws InvalidAnswerError when `configSchema` is not JSON text.
 */
export function descriptorFromWit(descriptor: WitDescriptor): Descriptor {
  const out: Descriptor = {
    name: descriptor.name,
    version: descriptor.version,
    primary: { apiVersion: descriptor.primary.apiVersion, kind: descriptor.primary.kind },
    owns: descriptor.owns.map((k) => ({ apiVersion: k.apiVersion, kind: k.kind })),
    reads: descriptor.reads.map((k) => ({ apiVersion: k.apiVersion, kind: k.kind })),
    finalizer: descriptor.finalizer,
  };
  if (descriptor.configSchema !== undefined)
    out.configSchema = parseObjectJson(descriptor.configSchema, 'configSchema') as JsonObject;
  if (descriptor.finalizerName !== undefined) out.finalizerName = descriptor.finalizerName;
  return out;
}

/** The descriptor as a component returns it (guest side: the TypeScript SDK, whose lists are read-only; and tests). */
export function descriptorToWit(
  descriptor: Omit<Descriptor, 'owns' | 'reads'> & {
    owns: readonly Descriptor['owns'][number][];
    reads: readonly Descriptor['reads'][number][];
  },
): WitDescriptor {
  return {
    name: descriptor.name,
    version: descriptor.version,
    primary: { apiVersion: descriptor.primary.apiVersion, kind: descriptor.primary.kind },
    owns: descriptor.owns.map((k) => ({ apiVersion: k.apiVersion, kind: k.kind })),
    reads: descriptor.reads.map((k) => ({ apiVersion: k.apiVersion, kind: k.kind })),
    finalizer: descriptor.finalizer,
    configSchema: descriptor.configSchema === undefined ? undefined : JSON.stringify(descriptor.configSchema),
    finalizerName: descriptor.finalizerName,
  };
}
