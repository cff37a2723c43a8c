// `GET /healthz`: unsigned liveness check; touches no component.
import type { Context } from 'hono';
import type { WorkerEnv } from '../types.ts';

export function health(c: Context<WorkerEnv>): Response {
  return c.json({ status: 'ok' });
}
