// Middleware that writes one JSON log line per request and the `Server-Timing` header.
import { createMiddleware } from 'hono/factory';
import { HEADERS } from '../../src/protocol/routes.ts';
import type { WorkerEnv } from '../types.ts';

/** One request, as logged. */
export interface RequestLogLine {
  level: 'info' | 'warn' | 'error';
  msg: 'request';
  method: string;
  path: string;
  status: number;
  /** `ok`, or the error code. */
  outcome: string;
  /** The cluster whose key signed the request (derived from the key id), and that key's id. */
  cluster?: string;
  keyId?: string;
  reconciler?: string;
  primary?: string;
  durationMs: number;
  reconcileMs?: number;
  traceparent?: string;
  traceparentMalformed?: true;
  detail?: string;
}

export interface RequestLogOptions {
  /** Where lines go; defaults to console.log (workerd and Workers Logs collect it). */
  write?: (line: RequestLogLine) => void;
  /** A millisecond clock; defaults to performance.now. */
  now?: () => number;
}

// W3C Trace Context, version-format `00-<trace-id>-<parent-id>-<flags>`.
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

const round = (ms: number): number => Math.round(ms * 1000) / 1000;

export function requestLog(options: RequestLogOptions = {}) {
  const write =
    options.write ??
    ((line: RequestLogLine) => {
      console.log(JSON.stringify(line));
    });
  const now = options.now ?? (() => performance.now());
  return createMiddleware<WorkerEnv>(async function requestLog(c, next) {
    const start = now();
    await next();
    const durationMs = round(now() - start);
    const reconcileMs = c.get('reconcileMs');
    if (reconcileMs !== undefined)
      c.res.headers.append('Server-Timing', `reconcile;dur=${round(reconcileMs)}`);
    c.res.headers.append('Server-Timing', `total;dur=${durationMs}`);

    const status = c.res.status;
    const line: RequestLogLine = {
      level: status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info',
      msg: 'request',
      method: c.req.method,
      path: c.req.path,
      status,
      outcome: c.get('errorCode') ?? 'ok',
      durationMs,
    };
    const cluster = c.get('cluster');
    if (cluster !== undefined) line.cluster = cluster;
    const keyId = c.get('keyId');
    if (keyId !== undefined) line.keyId = keyId;
    const reconciler = c.get('reconciler');
    if (reconciler !== undefined) line.reconciler = reconciler;
    const primary = c.get('primaryKey');
    if (primary !== undefined) line.primary = primary;
    if (reconcileMs !== undefined) line.reconcileMs = round(reconcileMs);
    const traceparent = c.req.header(HEADERS.traceparent);
    if (traceparent !== undefined) {
      if (TRACEPARENT.test(traceparent)) line.traceparent = traceparent;
      else line.traceparentMalformed = true;
    }
    const detail = c.get('errorDetail');
    if (detail !== undefined) line.detail = detail;
    write(line);
  });
}
