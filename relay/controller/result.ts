// The outcome of one reconcile: its `zeroloop_reconciles_total` result label, the record observers get, and the failure's Event.
import type { ReconcileRequest, ReconcileResponse, Trigger } from '../../src/protocol/schemas.ts';
import { ApplyFailed } from '../apply/applier.ts';
import type { EventSpec } from '../apply/events.ts';
import { ScopeRejected } from '../apply/scope.ts';
import { DispatchError } from '../dispatch/errors.ts';
import type { ErrorFields } from '../observe/log.ts';
import type { PhaseTimes } from '../observe/phases.ts';
import { AnswerLimitExceeded } from './limits.ts';
import { RelatedWatchNotSynced } from './related-watches.ts';
import { errorMessage } from '../../src/error-message.ts';

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
  | 'incompatible_worker'
  | 'related_not_synced'
  | 'error';

/** One worker call: the request sent, and the answer once it arrived (absent when the call failed). */
export interface WorkerExchange {
  request: ReconcileRequest;
  answer?: ReconcileResponse;
}

/**
 * What observers of `Controller.onReconcile` / `Manager.onReconcile` get after each reconcile. The
 * objects are the relay's own (the cache's, the parsed answer): an observer copies what it keeps
 * and never changes them.
 */
export interface ReconcileRecord {
  /** The Reconciler resource's name. */
  reconciler: string;
  /** The primary's key, `namespace/name` (or `name` when cluster-scoped). */
  key: string;
  trigger: Trigger;
  result: ReconcileResult;
  /** When it started (ms since the epoch, the relay's clock) and how long it took. */
  startedAt: number;
  durationMs: number;
  /** Where the time went (queue wait, request build, worker call, dry-run, apply, prune-status). */
  phasesMs: PhaseTimes;
  /** Every worker call, in order: one, or up to four when the related selectors changed or a status followed writes. */
  calls: WorkerExchange[];
  /** The last call's request and answer (the answer applied last); absent when no call was made or answered. */
  request?: ReconcileRequest;
  answer?: ReconcileResponse;
  /** Objects written and deleted, and whether the status was written. */
  applied: number;
  pruned: number;
  statusWritten: boolean;
  /** When the primary is reconciled again, as the answer asked (after the limits); absent when it did not ask. */
  requeueAfterMs?: number;
  /** The backoff before a failed reconcile is retried. */
  retryInMs?: number;
  /** The Events this reconcile recorded on the primary: the answer's and the relay's own Warnings. */
  events: EventSpec[];
  /** Why it failed (when `result` is not `success`), as the `reconcile failed` log line has it. */
  error?: ErrorFields;
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
      case 'IncompatibleWorker':
        return 'incompatible_worker';
    }
  }
  return 'error';
}

/** The Warning Event a failed reconcile leaves on its primary. */
export function failureEvent(error: unknown): EventSpec {
  const reason =
    error instanceof DispatchError ? error.reason : error instanceof Error ? error.name : 'ReconcileError';
  return { type: 'Warning', reason, message: errorMessage(error) };
}
