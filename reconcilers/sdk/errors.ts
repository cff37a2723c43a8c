// The reconciler's `err`: a thrown ReconcileError becomes the wit `result::err` of `reconcile`.
import { wellFormed } from './text.ts';

/**
 * An explained, permanent failure for this input (HTTP 422 at the worker). componentize-qjs turns a
 * value thrown from an export returning `result<_, string>` into `err`, taking its own `payload`
 * property when it has one; a thrown non-string (a number, say) would trap instead, so the SDK
 * only ever throws this.
 */
export class ReconcileError extends Error {
  override readonly name = 'ReconcileError';
  readonly payload: string;
  constructor(message: string) {
    const text = wellFormed(message);
    super(text);
    this.payload = text;
  }
}

/** Ends the reconcile with a wit `err` carrying `message`. */
export function err(message: string): never {
  throw new ReconcileError(message);
}

/** A readable one-line description of anything thrown. */
export function describeThrown(thrown: unknown): string {
  if (thrown instanceof ReconcileError) return thrown.message;
  if (thrown instanceof Error) return `${thrown.name}: ${thrown.message}`;
  return typeof thrown === 'string' ? thrown : `non-error value thrown (${typeof thrown})`;
}
