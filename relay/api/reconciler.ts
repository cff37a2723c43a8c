// The `Reconciler` resource (zeroloop.dev/v1alpha1, cluster scoped): which worker runs which reconciler on what.
import * as z from 'zod/mini';
import { DnsLabel, JsonObject } from '../../src/protocol/schemas.ts';
import { Triggers } from './hooks.ts';

export const GROUP = 'zeroloop.dev';
export const VERSION = 'v1alpha1';
export const RECONCILER_KIND = { apiVersion: `${GROUP}/${VERSION}`, kind: 'Reconciler' } as const;

const dnsLabel = DnsLabel;
const nonEmpty = z.string().check(z.minLength(1));

export const KindRef = z.object({ apiVersion: nonEmpty, kind: nonEmpty });
export type KindRef = z.infer<typeof KindRef>;

/**
 * Bounds on what one answer may make the relay do. A limit hit rejects the answer (nothing applied,
 * a Warning Event naming the limit, retried with backoff), except Events beyond the cap, which are
 * dropped and counted, and requeue-after, which is clamped. Keep in step with the CRD.
 */
export const AnswerLimits = z.object({
  /** Bytes of the worker's answer, enforced while reading it (the apiserver refuses bodies over 3 MiB). */
  maxAnswerBytes: z._default(z.int().check(z.minimum(1024), z.maximum(3 * 1024 * 1024)), 1024 * 1024),
  /** Objects in `desired`. */
  maxDesiredObjects: z._default(z.int().check(z.minimum(0), z.maximum(1000)), 100),
  /** Bytes of `status` as JSON. */
  maxStatusBytes: z._default(z.int().check(z.minimum(64), z.maximum(1024 * 1024)), 64 * 1024),
  /** Events recorded from one answer; the rest are dropped and counted. */
  maxEventsPerAnswer: z._default(z.int().check(z.minimum(0), z.maximum(100)), 10),
  /** A shorter requeue-after is raised to this (no hot loops). */
  minRequeueAfterSeconds: z._default(z.number().check(z.minimum(0.1), z.maximum(3600)), 1),
  /** A longer requeue-after is lowered to this. */
  maxRequeueAfterSeconds: z._default(z.number().check(z.minimum(1), z.maximum(7 * 86400)), 86400),
});
export type AnswerLimits = z.infer<typeof AnswerLimits>;

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
  /** Hold a finalizer on primaries: the descriptor's `finalizerName`, else `zeroloop.dev/<reconciler>` (relay/controller/finalizer.ts). */
  finalizer: z._default(z.boolean(), false),
  /**
   * The reconciler's configuration, sent with each request; validated against the descriptor's
   * `configSchema` when the Reconciler is loaded (config/reconciler-config.ts).
   */
  config: z.optional(JsonObject),
  /** Bounds on each answer (defaults above). */
  limits: z._default(AnswerLimits, () => AnswerLimits.parse({})),
  /** Outside events that wake primaries (api/hooks.ts, relay/hooks/). */
  triggers: z._default(Triggers, () => Triggers.parse({})),
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
  /** Which of the worker's keys `signingKey` is (the Secret's optional `keyId` entry); `default` when unset. */
  signingKeyId?: string;
  /** The descriptor's finalizer name, checked (controller/finalizer-name.ts); unset: `zeroloop.dev/<reconciler>`. */
  finalizerName?: string;
}
