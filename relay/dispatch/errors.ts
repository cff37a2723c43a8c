// Typed failures of a worker call, named after what failed, carrying the primary's key and what to do.

export type DispatchErrorKind =
  | 'WorkerUnavailable'
  | 'WorkerTimeout'
  | 'Throttled'
  | 'ReconcilerFailed'
  | 'ReconcilerTrapped'
  | 'InvalidAnswer'
  | 'AnswerTooLarge'
  | 'RequestRejected'
  | 'IncompatibleWorker';

/** A worker call that did not produce a valid response. Every kind is retried with backoff (never dropped). */
export class DispatchError extends Error {
  override readonly name: DispatchErrorKind;
  /** `namespace/name` of the primary. */
  readonly key: string;
  readonly reconciler: string;
  /** HTTP status, when the worker answered. */
  readonly status: number | undefined;
  /** Set for `Throttled`: the worker's Retry-After. */
  readonly retryAfterMs: number | undefined;
  /** Short Kubernetes Event reason. */
  readonly reason: string;
  /** What failed and what to do, without the kind and key the message starts with (for conditions). */
  readonly detail: string;

  constructor(options: {
    kind: DispatchErrorKind;
    key: string;
    reconciler: string;
    message: string;
    status?: number | undefined;
    retryAfterMs?: number | undefined;
    cause?: unknown;
  }) {
    super(`${options.kind} (${options.reconciler} ${options.key}): ${options.message}`, {
      cause: options.cause,
    });
    this.name = options.kind;
    this.key = options.key;
    this.reconciler = options.reconciler;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.reason = options.kind;
    this.detail = options.message;
  }
}

/** What an operator should do about each kind, appended to messages and Events. */
export const ADVICE: Record<DispatchErrorKind, string> = {
  WorkerUnavailable: 'check that the worker endpoint is reachable; retrying with backoff',
  WorkerTimeout: 'the worker did not answer in time; raise timeoutSeconds or fix the reconciler; retrying',
  Throttled: 'the worker asked to slow down; retrying after its Retry-After',
  ReconcilerFailed: 'the reconciler refused this object; fix the object (see message); retrying with backoff',
  ReconcilerTrapped: 'the reconciler crashed (a bug); fix the reconciler; retrying with backoff',
  InvalidAnswer: 'the reconciler returned an answer that breaks the protocol; fix the reconciler; retrying',
  AnswerTooLarge:
    'nothing was applied; fix the reconciler, or raise spec.limits.maxAnswerBytes on the Reconciler; retrying with backoff',
  RequestRejected:
    'the worker refused the request (signing secret, reconciler name or size); fix the Reconciler resource',
  IncompatibleWorker:
    'the answer was not read and nothing was applied; retrying with backoff until relay and worker match',
};
