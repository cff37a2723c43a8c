// How one reconcile ended, and the queue operations each ending asks for: controller-runtime's reconcileHandler as one pure switch.
//
// Retry rules (relay/README.md, "Guarantees"): a key is never dropped. A failure retries with the
// key's backoff, at least the worker's Retry-After; a success forgets the key's failures and, when
// the answer asked, comes back after `requeueAfterMs` (longer while the primary flaps); a primary
// that is gone, or being deleted without our finalizer, is forgotten; a key whose worker or
// apiserver is unreachable is parked on that outage gate, which adds it back once a probe answers.
import { DispatchError } from '../dispatch/errors.ts';
import type { SyncOutcome } from './sync.ts';

/** The dependency whose outage parks a key. */
export type Dependency = 'worker' | 'apiserver';

export type Outcome =
  /** Not in the cache (deleted), or being deleted without our finalizer: nothing to do. */
  | { type: 'skipped' }
  /** The worker or the apiserver is unreachable: held until a probe sees it answer. */
  | { type: 'parked'; gate: Dependency }
  | SyncOutcome;

export type QueueOp =
  /** Forget the key's failures (its backoff starts over). */
  | { op: 'forget' }
  /** Add the key back after `delayMs`. */
  | { op: 'addAfter'; delayMs: number }
  /** Add the key back after its backoff, at least `retryAfterMs`. */
  | { op: 'addRateLimited'; retryAfterMs: number | undefined }
  /** Hold the key on the gate of `gate` (it adds the key back). */
  | { op: 'park'; gate: Dependency };

/**
 * The queue operations for `outcome`. `slowed` turns the answer's requeue-after into the delay to
 * use (the flap detector's slowdown; identity for a primary that does not flap).
 */
export function queueOps(outcome: Outcome, slowed: (requeueAfterMs: number) => number): QueueOp[] {
  switch (outcome.type) {
    case 'skipped':
      return [{ op: 'forget' }];
    case 'parked':
      return [{ op: 'park', gate: outcome.gate }];
    case 'reconciled':
      return outcome.requeueAfterMs === null
        ? [{ op: 'forget' }]
        : [{ op: 'addAfter', delayMs: slowed(outcome.requeueAfterMs) }, { op: 'forget' }];
    case 'failed':
      return [{ op: 'addRateLimited', retryAfterMs: retryAfterOf(outcome.error) }];
  }
}

/** The worker's Retry-After (a 429 or 503 answer), if the failure carries one. */
export function retryAfterOf(error: unknown): number | undefined {
  return error instanceof DispatchError ? error.retryAfterMs : undefined;
}
