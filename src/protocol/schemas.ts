// The zod schemas of the HTTP protocol between relay and worker; they mirror wit/reconciler.wit in JSON.
import * as z from 'zod/mini';
import { DNS_LABEL } from '../keys.ts';

/** A DNS-1123 label: reconciler names and Kubernetes names in URLs. */
export const DnsLabel = z.string().check(z.regex(DNS_LABEL, 'must be a lowercase DNS label'));
const dnsLabel = DnsLabel;
const nonEmpty = z.string().check(z.minLength(1));

/** Any Kubernetes object: apiVersion, kind and a named metadata; other fields pass through. */
export const KubeObject = z.looseObject({
  apiVersion: nonEmpty,
  kind: nonEmpty,
  metadata: z.looseObject({
    name: nonEmpty,
    namespace: z.optional(z.string()),
  }),
});
export type KubeObject = z.infer<typeof KubeObject>;

/** A JSON object (the primary's `.status`, a Reconciler's `spec.config`, a JSON Schema). */
export const JsonObject = z.record(z.string(), z.unknown());
export type JsonObject = z.infer<typeof JsonObject>;

/** wit `kind-ref`. */
export const KindRef = z.object({ apiVersion: nonEmpty, kind: nonEmpty });
export type KindRef = z.infer<typeof KindRef>;

/** wit `object-ref`. */
export const ObjectRef = z.object({
  apiVersion: nonEmpty,
  kind: nonEmpty,
  namespace: z.optional(z.string()),
  name: nonEmpty,
});
export type ObjectRef = z.infer<typeof ObjectRef>;

/** wit `descriptor`. */
export const Descriptor = z.object({
  name: dnsLabel,
  version: nonEmpty,
  primary: KindRef,
  owns: z.array(KindRef),
  reads: z.array(KindRef),
  finalizer: z.boolean(),
  /** JSON Schema of the Reconciler's `spec.config` (since WIT 0.2); absent: the reconciler takes no configuration. */
  configSchema: z.optional(JsonObject),
  /** The finalizer the relay holds when `finalizer` is true (since WIT 0.2); absent: `zeroloop.dev/<name>`. */
  finalizerName: z.optional(nonEmpty),
});
export type Descriptor = z.infer<typeof Descriptor>;

/** The most an external trigger's `summary` may take, serialized as JSON (UTF-8 bytes). */
export const MAX_SUMMARY_BYTES = 4096;

const summaryBytes = (summary: unknown): number => new TextEncoder().encode(JSON.stringify(summary)).length;

/** wit `external-event`, flattened into the `external` trigger; `summary` is parsed JSON. */
export const ExternalTrigger = z.object({
  type: z.literal('external'),
  hook: nonEmpty,
  source: nonEmpty,
  event: z.string(),
  delivery: nonEmpty,
  summary: z.optional(
    z.unknown().check(
      z.refine((v) => summaryBytes(v) <= MAX_SUMMARY_BYTES, {
        message: `must be at most ${MAX_SUMMARY_BYTES} bytes as JSON`,
      }),
    ),
  ),
});
export type ExternalTrigger = z.infer<typeof ExternalTrigger>;

/** wit `trigger`, as a discriminated union on `type`. */
export const Trigger = z.discriminatedUnion('type', [
  z.object({ type: z.literal('primary') }),
  z.object({ type: z.literal('owned'), ref: ObjectRef }),
  z.object({ type: z.literal('related'), ref: ObjectRef }),
  z.object({ type: z.literal('requeue') }),
  ExternalTrigger,
]);
export type Trigger = z.infer<typeof Trigger>;

/** wit `write-step`: the step of the relay's write that failed. */
export const WriteStep = z.enum(['dry-run', 'apply', 'prune', 'status']);
export type WriteStep = z.infer<typeof WriteStep>;

/** The most of the apiserver's message a failed `lastWrite` carries (UTF-8 bytes; the relay cuts it, ending in "…"). */
export const MAX_WRITE_MESSAGE_BYTES = 1024;

/** wit `last-write`, discriminated on `state`; `failed` carries wit `write-failure` flattened. */
export const LastWrite = z.discriminatedUnion('state', [
  z.object({ state: z.literal('unknown') }),
  z.object({ state: z.literal('applied') }),
  z.object({ state: z.literal('failed'), step: WriteStep, message: z.string() }),
]);
export type LastWrite = z.infer<typeof LastWrite>;

/** wit `request`: body of `POST /v1/reconcilers/{name}/reconcile`. */
export const ReconcileRequest = z.object({
  primary: KubeObject,
  owned: z.array(KubeObject),
  related: z.array(KubeObject),
  trigger: Trigger,
  finalizing: z.boolean(),
  /** The Reconciler's `spec.config`, validated by the relay against the descriptor's `configSchema`; absent when unset. */
  config: z.optional(JsonObject),
  /** The outcome of the relay's write of the previous answer for this primary; absent means `unknown`. */
  lastWrite: z.optional(LastWrite),
});
export type ReconcileRequest = z.infer<typeof ReconcileRequest>;

/** wit `selector`; `matchLabels` is the JSON map form of wit `list<label>`. */
export const Selector = z.object({
  apiVersion: nonEmpty,
  kind: nonEmpty,
  namespace: z.optional(z.string()),
  name: z.optional(nonEmpty),
  matchLabels: z.record(z.string(), z.string()),
});
export type Selector = z.infer<typeof Selector>;

/** wit `event`; `type` uses Kubernetes' spelling. */
export const ReconcilerEvent = z.object({
  type: z.enum(['Normal', 'Warning']),
  reason: nonEmpty,
  message: z.string(),
});
export type ReconcilerEvent = z.infer<typeof ReconcilerEvent>;

/** wit `response`: body of a successful reconcile. */
export const ReconcileResponse = z.object({
  desired: z.array(KubeObject),
  status: z.nullable(JsonObject),
  related: z.array(Selector),
  requeueAfterMs: z.nullable(z.int().check(z.nonnegative(), z.maximum(0xffff_ffff))),
  finalized: z.boolean(),
  events: z.array(ReconcilerEvent),
});
export type ReconcileResponse = z.infer<typeof ReconcileResponse>;

/** One entry of `GET /v1/reconcilers`: the descriptor, and the WIT package version its component was built against. */
export const ListedReconciler = z.extend(Descriptor, { wit: nonEmpty });
export type ListedReconciler = z.infer<typeof ListedReconciler>;

/** `GET /v1/reconcilers`. */
export const DescriptorList = z.object({ reconcilers: z.array(ListedReconciler) });
export type DescriptorList = z.infer<typeof DescriptorList>;
