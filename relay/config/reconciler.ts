// The `Reconciler` resource (zeroloop.dev/v1alpha1, cluster scoped): which worker runs which reconciler on what.
import * as z from 'zod/mini';

export const GROUP = 'zeroloop.dev';
export const VERSION = 'v1alpha1';
export const RECONCILER_KIND = { apiVersion: `${GROUP}/${VERSION}`, kind: 'Reconciler' } as const;

const dnsLabel = z
  .string()
  .check(z.regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a lowercase DNS label'));
const nonEmpty = z.string().check(z.minLength(1));

export const KindRef = z.object({ apiVersion: nonEmpty, kind: nonEmpty });
export type KindRef = z.infer<typeof KindRef>;

/** `spec` of a Reconciler. Keep in step with deploy/crds/reconcilers.zeroloop.dev.yaml. */
export const ReconcilerSpec = z.object({
  /** The reconciler's name at the worker: `POST {endpoint}/v1/reconcilers/{reconciler}/reconcile`. */
  reconciler: dnsLabel,
  /** The worker's base URL. */
  endpoint: z.url({ protocol: /^https?$/ }),
  /** The Secret that holds the shared HMAC signing key. */
  signingSecretRef: z.object({ namespace: dnsLabel, name: nonEmpty, key: nonEmpty }),
  /** The primary kind: one reconcile per object of this kind. */
  primary: KindRef,
  /** The kinds the reconciler creates; nothing else may appear in `desired`. */
  owns: z._default(z.array(KindRef), []),
  /** The kinds it may select as related objects. */
  reads: z._default(z.array(KindRef), []),
  /** Namespaces in scope; empty means all namespaces. */
  namespaces: z._default(z.array(dnsLabel), []),
  /** Reconciles running at once for this reconciler (different primaries). */
  concurrency: z._default(z.int().check(z.minimum(1), z.maximum(256)), 4),
  /** Timeout of one worker call. */
  timeoutSeconds: z._default(z.number().check(z.positive(), z.maximum(300)), 10),
  /** Hold a `zeroloop.dev/<reconciler>` finalizer on primaries (finalizer flow: issue 6). */
  finalizer: z._default(z.boolean(), false),
});
export type ReconcilerSpec = z.infer<typeof ReconcilerSpec>;

export const ReconcilerResource = z.looseObject({
  apiVersion: z.literal(RECONCILER_KIND.apiVersion),
  kind: z.literal(RECONCILER_KIND.kind),
  metadata: z.looseObject({
    name: nonEmpty,
    uid: z.optional(z.string()),
    generation: z.optional(z.number()),
  }),
  spec: ReconcilerSpec,
});
export type ReconcilerResource = z.infer<typeof ReconcilerResource>;

/** A Reconciler as one controller runs it: its resource name, spec and the signing key it read. */
export interface ControllerConfig {
  /** The Reconciler resource's name (also the metrics/log label). */
  name: string;
  spec: ReconcilerSpec;
  signingKey: string;
}
