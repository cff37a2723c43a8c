// The worker's one error class: a protocol error code plus a message that says what failed and what to do.
import { ERROR_STATUS, type ErrorCode, type ErrorStatus } from '../../src/protocol/errors.ts';

/** Thrown anywhere in the worker; the error handler turns it into `{ error: { code, message } }`. */
export class WorkerError extends Error {
  override readonly name = 'WorkerError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }

  get status(): ErrorStatus {
    return ERROR_STATUS[this.code];
  }
}
