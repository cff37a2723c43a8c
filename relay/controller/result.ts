// The outcome of one reconcile: its `zeroloop_reconciles_total` result label, the record observers get, and the failure's Event.
import type { ReconcileRequest, ReconcileResponse, Trigger } from '../../src/protocol/schemas.ts';
import { ApplyFailed } from '../apply/applier.ts';
import type { EventSpec } from '../apply/events.ts';
import { ScopeRejected } from '../apply/scope.ts';
import { DispatchError } from '../dispatch/errors.ts';
import type { PhaseTimes } from './phases.ts';
import { AnswerLimitExceeded } from './limits.ts';
import { RelatedWatchNotSynced } from './related-watches.ts';

/** A result label of `zeroloop_reconciles_total`. */
export type ReconcileResult =
  | 'success'
  | 'scope_rejected'
  | 'apply_error'
  | 'worker_unavailable'
  | 'worker_timeout'
  | 'throttled'
  | 'reconciler_error'
  | 'reconciler_trap'
  | 'invalid_answer'
  | 'request_rejected'
  | 'limit_exceeded'
  | 'answer_too_large'
  | 'related_not_synced'
  | 'error';

/** What observers of `Controller.onReconcile` get after each reconcile. */
export interface ReconcileRecord {
  key: string;
  trigger: Trigger;
  result: ReconcileResult;
  durationMs: number;
  /** Where the time went (queue wait, request build, worker call, dry-run, apply, prune-status). */
  phasesMs: PhaseTimes;
  /** The last request sent to the worker (a reconcile calls it once, or twice after writing); absent when none was sent. */
  request?: ReconcileRequest;
  /** The worker's answer to `request`; absent when it gave none (a reconciler err, a timeout…). */
  answer?: ReconcileResponse;
  /** The failure's message, when `result` is not `success`. */
  error?: string;
}

/** The result label of a failed reconcile. */
export function resultOf(error: unknown): ReconcileResult {
  if (error instanceof ScopeRejected) return 'scope_rejected';
  if (error instanceof ApplyFailed) return 'apply_error';
  if (error instanceof AnswerLimitExceeded) return 'limit_exceeded';
  if (error instanceof RelatedWatchNotSynced) return 'related_not_synced';
  if (error instanceof DispatchError) {
    switch (error.name) {
      case 'WorkerUnavailable':
        return 'worker_unavailable';
      case 'WorkerTimeout':
        return 'worker_timeout';
      case 'Throttled':
        return 'throttled';
      case 'ReconcilerFailed':
        return 'reconciler_error';
      case 'ReconcilerTrapped':
        return 'reconciler_trap';
      case 'InvalidAnswer':
        return 'invalid_answer';
      case 'RequestRejected':
        return 'request_rejected';
      case 'AnswerTooLarge':
        return 'answer_too_large';
    }
  }
  return 'error';
}

/** The Warning Event a failed reconcile leaves on its primary. */
export function failureEvent(error: unknown): EventSpec {
  const reason =
    error instanceof DispatchError ? error.reason : error instanceof Error ? error.name : 'ReconcileError';
  return { type: 'Warning', reason, message: error instanceof Error ? error.message : String(error) };
}
