// Maps any error thrown while serving a request to the protocol's JSON error body; unknown errors become `internal`.
import type { Context } from 'hono';
import type { ErrorBody } from '../../src/protocol/errors.ts';
import type { WorkerEnv } from '../types.ts';
import { WorkerError } from './worker-error.ts';

/** Hono `onError`: one error class in, one JSON shape out. */
export function errorResponse(error: Error, c: Context<WorkerEnv>): Response {
  const known =
    error instanceof WorkerError
      ? error
      : new WorkerError('internal', `unexpected worker error: ${error.message}`, { cause: error });
  c.set('errorCode', known.code);
  if (!(error instanceof WorkerError)) c.set('errorDetail', error.stack ?? String(error));
  const body: ErrorBody = { error: { code: known.code, message: known.message } };
  return c.json(body, known.status);
}

/** Hono `notFound`: a route that does not exist. */
export function notFoundResponse(c: Context<WorkerEnv>): Response {
  return errorResponse(
    new WorkerError(
      'not_found',
      `no route ${c.req.method} ${c.req.path}: the worker serves GET /healthz, GET /v1/reconcilers and POST /v1/reconcilers/{name}/reconcile`,
    ),
    c,
  );
}
