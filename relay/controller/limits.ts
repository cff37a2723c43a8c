// Holds one answer to the Reconciler's limits: too many objects or too big a status rejects it; Events are capped; requeue-after is clamped.
import type { ReconcileResponse, ReconcilerEvent } from '../../src/protocol/schemas.ts';
import type { AnswerLimits } from '../api/reconciler.ts';

/** The answer broke a limit of its Reconciler; nothing of it was applied. */
export class AnswerLimitExceeded extends Error {
  override readonly name = 'AnswerLimitExceeded';
  readonly key: string;
  readonly limit: keyof AnswerLimits;
  constructor(key: string, limit: keyof AnswerLimits, actual: number, max: number) {
    super(
      `answer for ${key} rejected, nothing applied: ${limit} is ${max}, the answer has ${actual}; ` +
        `fix the reconciler, or raise spec.limits.${limit} on the Reconciler`,
    );
    this.key = key;
    this.limit = limit;
  }
}

export interface Bounded {
  /** The Events to record (at most `maxEventsPerAnswer`). */
  events: ReconcilerEvent[];
  /** Events beyond the cap, not recorded. */
  droppedEvents: number;
  /** requeue-after within [min, max], or null. */
  requeueAfterMs: number | null;
  /** The answer's requeue-after was outside the bounds. */
  requeueClamped: boolean;
}

/** Checks the answer against `limits`; throws AnswerLimitExceeded, or returns what may be acted on. */
export function bound(key: string, response: ReconcileResponse, limits: AnswerLimits): Bounded {
  if (response.desired.length > limits.maxDesiredObjects)
    throw new AnswerLimitExceeded(
      key,
      'maxDesiredObjects',
      response.desired.length,
      limits.maxDesiredObjects,
    );
  if (response.status !== null) {
    const bytes = Buffer.byteLength(JSON.stringify(response.status));
    if (bytes > limits.maxStatusBytes)
      throw new AnswerLimitExceeded(key, 'maxStatusBytes', bytes, limits.maxStatusBytes);
  }
  const events = response.events.slice(0, limits.maxEventsPerAnswer);
  let requeueAfterMs = response.requeueAfterMs;
  let requeueClamped = false;
  if (requeueAfterMs !== null) {
    const min = limits.minRequeueAfterSeconds * 1000;
    const max = limits.maxRequeueAfterSeconds * 1000;
    const clamped = Math.min(Math.max(requeueAfterMs, min), max);
    requeueClamped = clamped !== requeueAfterMs;
    requeueAfterMs = clamped;
  }
  return { events, droppedEvents: response.events.length - events.length, requeueAfterMs, requeueClamped };
}
