// The relay's view of a Kubernetes object: the metadata fields it relies on, parsed with zod at the edge.
import * as z from 'zod/mini';

export const OwnerReference = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
  uid: z.string(),
  controller: z.optional(z.boolean()),
  blockOwnerDeletion: z.optional(z.boolean()),
});
export type OwnerReference = z.infer<typeof OwnerReference>;

export const ObjectMeta = z.looseObject({
  name: z.string().check(z.minLength(1)),
  namespace: z.optional(z.string()),
  uid: z.optional(z.string()),
  resourceVersion: z.optional(z.string()),
  generation: z.optional(z.number()),
  labels: z.optional(z.record(z.string(), z.string())),
  annotations: z.optional(z.record(z.string(), z.string())),
  ownerReferences: z.optional(z.array(OwnerReference)),
  finalizers: z.optional(z.array(z.string())),
  deletionTimestamp: z.optional(z.string()),
});
export type ObjectMeta = z.infer<typeof ObjectMeta>;

/** A full object as the apiserver returns it. */
export const KObject = z.looseObject({
  apiVersion: z.string().check(z.minLength(1)),
  kind: z.string().check(z.minLength(1)),
  metadata: ObjectMeta,
});
export type KObject = z.infer<typeof KObject>;

/** The `metadata` of a list response. */
export const ListMeta = z.looseObject({
  resourceVersion: z.optional(z.string()),
  continue: z.optional(z.string()),
});

/** A Kubernetes `Status` (error bodies and watch ERROR events). */
export const Status = z.looseObject({
  kind: z.optional(z.string()),
  code: z.optional(z.number()),
  reason: z.optional(z.string()),
  message: z.optional(z.string()),
});
export type Status = z.infer<typeof Status>;
