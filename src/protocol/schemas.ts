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

/** A JSON object (the primary's `.status`). */
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
});
export type Descriptor = z.infer<typeof Descriptor>;

/** wit `trigger`, as a discriminated union on `type`. */
export const Trigger = z.discriminatedUnion('type', [
  z.object({ type: z.literal('primary') }),
  z.object({ type: z.literal('owned'), ref: ObjectRef }),
  z.object({ type: z.literal('related'), ref: ObjectRef }),
  z.object({ type: z.literal('requeue') }),
]);
export type Trigger = z.infer<typeof Trigger>;

/** wit `request`: body of `POST /v1/reconcilers/{name}/reconcile`. */
export const ReconcileRequest = z.object({
  primary: KubeObject,
  owned: z.array(KubeObject),
  related: z.array(KubeObject),
  trigger: Trigger,
  finalizing: z.boolean(),
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
