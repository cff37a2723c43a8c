// A worker's answer for unit tests: empty (nothing desired, no status, no selectors, no requeue, no Events), with the fields a test sets.
import type { ReconcileResponse } from '../../src/protocol/schemas.ts';

export function answer(over: Partial<ReconcileResponse> = {}): ReconcileResponse {
  return {
    desired: [],
    status: null,
    related: [],
    requeueAfterMs: null,
    finalized: false,
    events: [],
    ...over,
  };
}
