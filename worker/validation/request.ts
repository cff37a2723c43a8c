// Parses a reconcile request body at the edge: JSON limits, JSON text, then the protocol schema; 400 with the reasons otherwise.
import { MAX_JSON_DEPTH } from '../../src/protocol/routes.ts';
import { ReconcileRequest } from '../../src/protocol/schemas.ts';
import { WorkerError } from '../errors/worker-error.ts';
import { summarizeIssues } from './issues.ts';
import { findJsonLimitViolation, formatPath } from './json-limits.ts';
import { errorMessage } from '../../src/error-message.ts';

const MAX_LITERAL = 32;

/** Refuses what JSON.parse would accept but a component cannot be given (see json-limits.ts). */
function checkLimits(body: string, reconciler: string, maxDepth: number): void {
  const violation = findJsonLimitViolation(body, maxDepth);
  if (violation === undefined) return;
  const at = formatPath(violation.path);
  if (violation.kind === 'too_deep') {
    throw new WorkerError(
      'nesting_too_deep',
      `reconcile request for "${reconciler}" nests objects and arrays deeper than ${maxDepth} levels (at ${at}): the worker refuses deeper JSON; flatten the object`,
    );
  }
  const literal =
    violation.literal.length > MAX_LITERAL
      ? `${violation.literal.slice(0, MAX_LITERAL)}…`
      : violation.literal;
  throw new WorkerError(
    'number_out_of_range',
    `reconcile request for "${reconciler}" has a number no 64-bit float holds at ${at} (${literal}): it would become null in the component; send a finite number, or a string`,
  );
}

export function parseReconcileRequest(
  body: string,
  reconciler: string,
  maxDepth: number = MAX_JSON_DEPTH,
): ReconcileRequest {
  checkLimits(body, reconciler, maxDepth);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    const reason = errorMessage(error);
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
