// A token bucket per hook: `perMinute` tokens, refilled evenly over the minute; a delivery takes one or is refused.

/** A hook's bucket as stored: tokens left, and when they were counted (unix ms). */
export interface Bucket {
  tokens: number;
  at: number;
}

export type Take =
  | { allowed: true; bucket: Bucket }
  /** Whole seconds until one token is back (at least 1): the `Retry-After`. */
  | { allowed: false; bucket: Bucket; retryAfterSeconds: number };

/** Takes one token from `bucket` (a new hook starts full: burst = perMinute). */
export function takeToken(bucket: Bucket | undefined, perMinute: number, nowMs: number): Take {
  const perMs = perMinute / 60_000;
  const elapsed = bucket === undefined ? 0 : Math.max(0, nowMs - bucket.at);
  const tokens = Math.min(perMinute, (bucket?.tokens ?? perMinute) + elapsed * perMs);
  if (tokens >= 1) return { allowed: true, bucket: { tokens: tokens - 1, at: nowMs } };
  return {
    allowed: false,
    bucket: { tokens, at: nowMs },
    retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)),
  };
}
