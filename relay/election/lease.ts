// The coordination.k8s.io/v1 Lease the relays elect a leader on: its schema, client-go's MicroTime format, and the record one attempt writes.
import * as z from 'zod/mini';

export const LEASE_API = '/apis/coordination.k8s.io/v1';

/** The Lease's spec fields leader election reads and writes (client-go's LeaderElectionRecord). */
export const LeaseSpec = z.looseObject({
  holderIdentity: z.optional(z.nullable(z.string())),
  leaseDurationSeconds: z.optional(z.nullable(z.number())),
  acquireTime: z.optional(z.nullable(z.string())),
  renewTime: z.optional(z.nullable(z.string())),
  leaseTransitions: z.optional(z.nullable(z.number())),
});
export type LeaseSpec = z.infer<typeof LeaseSpec>;

export const Lease = z.looseObject({
  metadata: z.looseObject({
    name: z.string(),
    namespace: z.optional(z.string()),
    resourceVersion: z.optional(z.string()),
  }),
  spec: z.optional(LeaseSpec),
});
export type Lease = z.infer<typeof Lease>;

/** Go's metav1.MicroTime in RFC 3339 with microseconds (`2006-01-02T15:04:05.000000Z07:00`), as the Lease fields require. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** What an attempt by `identity` at `now` decides, given the Lease as last read and when it last changed here. */
export type Attempt =
  /** Someone else holds a lease that has not expired by this relay's clock: keep following. */
  | { kind: 'held'; holder: string; expiresInMs: number }
  /** Write this spec (a renewal when `renew`, else a takeover). */
  | { kind: 'write'; spec: Required<{ [K in keyof LeaseSpec]: NonNullable<LeaseSpec[K]> }>; renew: boolean };

/**
 * client-go's tryAcquireOrRenew, without I/O. Expiry is judged by this relay's clock from when it
 * last saw the record change (`observedAt`), never from the times written in it, so clock skew
 * between relays does not matter; an empty holder (a released Lease) is free at once.
 */
export function attempt(options: {
  current: LeaseSpec;
  observedAt: number;
  now: number;
  identity: string;
  leaseDurationSeconds: number;
}): Attempt {
  const { current, observedAt, now, identity } = options;
  const holder = current.holderIdentity ?? '';
  const mine = holder === identity;
  if (holder !== '' && !mine) {
    const expiresInMs = observedAt + (current.leaseDurationSeconds ?? 0) * 1000 - now;
    if (expiresInMs > 0) return { kind: 'held', holder, expiresInMs };
  }
  const transitions = current.leaseTransitions ?? 0;
  return {
    kind: 'write',
    renew: mine,
    spec: {
      holderIdentity: identity,
      leaseDurationSeconds: options.leaseDurationSeconds,
      acquireTime: mine && current.acquireTime ? current.acquireTime : microTime(now),
      renewTime: microTime(now),
      leaseTransitions: mine ? transitions : transitions + 1,
    },
  };
}

/** The spec a leader writes when it steps down (client-go's ReleaseOnCancel): no holder, a 1 s lease. */
export function released(current: LeaseSpec, now: number): LeaseSpec {
  return {
    holderIdentity: '',
    leaseDurationSeconds: 1,
    acquireTime: microTime(now),
    renewTime: microTime(now),
    leaseTransitions: current.leaseTransitions ?? 0,
  };
}
