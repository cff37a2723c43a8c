// Parses a reconcile request body at the edge: JSON text, then the protocol schema; 400 with the reasons otherwise.
import { ReconcileRequest } from '../../src/protocol/schemas.ts';
import { WorkerError } from '../errors/worker-error.ts';
import { summarizeIssues } from './issues.ts';

export function parseReconcileRequest(body: string, reconciler: string): ReconcileRequest {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new WorkerError('bad_request', `reconcile request for "${reconciler}" is not JSON (${reason})`);
  }
  const parsed = ReconcileRequest.safeParse(json);
  if (!parsed.success) {
    throw new WorkerError(
      'bad_request',
      `reconcile request for "${reconciler}" does not match the protocol: ${summarizeIssues(parsed.error)}`,
    );
  }
  return parsed.data;
}
