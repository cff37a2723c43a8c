// Middleware that reads the request body under a byte limit BEFORE anything parses it: 413 above the limit.
import { createMiddleware } from 'hono/factory';
import { MAX_BODY_BYTES } from '../../src/protocol/routes.ts';
import { readStreamCapped } from '../capped-stream.ts';
import { WorkerError } from '../errors/worker-error.ts';
import type { WorkerEnv } from '../types.ts';

export interface BodyLimitOptions {
  /** Largest accepted body in bytes; defaults to the protocol's MAX_BODY_BYTES. */
  maxBytes?: number;
}

function tooLarge(bytes: string, maxBytes: number): WorkerError {
  return new WorkerError(
    'payload_too_large',
    `request body is ${bytes} bytes, over the limit of ${maxBytes}: send fewer owned or related objects`,
  );
}

/**
 * Rejects a declared `Content-Length` above the limit without reading, then reads the stream while
 * counting bytes (a missing or lying length cannot get past), and stores the text as `body`.
 */
export function bodyLimit(options: BodyLimitOptions = {}) {
  const maxBytes = options.maxBytes ?? MAX_BODY_BYTES;
  return createMiddleware<WorkerEnv>(async function bodyLimit(c, next) {
    const declared = c.req.header('content-length');
    if (declared !== undefined) {
      if (!/^\d{1,15}$/.test(declared)) {
        throw new WorkerError('bad_request', `malformed Content-Length header "${declared}"`);
      }
      if (Number(declared) > maxBytes) throw tooLarge(declared, maxBytes);
    }
    c.set('body', await readLimited(c.req.raw.body, maxBytes));
    await next();
  });
}

async function readLimited(stream: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<string> {
  const bytes = await readStreamCapped(stream, maxBytes);
  if (bytes === undefined) throw tooLarge(`more than ${maxBytes}`, maxBytes);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new WorkerError('bad_request', 'request body is not valid UTF-8: send JSON text');
  }
}
