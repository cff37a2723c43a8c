// Middleware that verifies the relay's HMAC signature over the raw body; 401 (and nothing runs) otherwise.
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { HEADERS } from '../../src/protocol/routes.ts';
import { verify } from '../../src/signing.ts';
import { WorkerError } from '../errors/worker-error.ts';
import type { WorkerEnv } from '../types.ts';

export interface SignatureOptions {
  /** The shared secret; defaults to the `SIGNING_SECRET` binding. */
  secret?: (c: Context<WorkerEnv>) => string | undefined;
  /** Replay window in seconds; defaults to the protocol's. */
  windowSeconds?: number;
  /** The clock, in unix seconds (tests). */
  nowSeconds?: () => number;
}

/** Must run after `bodyLimit`, which stores the raw body the signature covers. */
export function verifySignature(options: SignatureOptions = {}) {
  const secretOf = options.secret ?? ((c: Context<WorkerEnv>) => c.env.SIGNING_SECRET);
  return createMiddleware<WorkerEnv>(async function verifySignature(c, next) {
    const secret = secretOf(c);
    if (!secret) {
      throw new WorkerError(
        'internal',
        'the worker has no SIGNING_SECRET: set it with `wrangler secret put SIGNING_SECRET` (or in .dev.vars locally)',
      );
    }
    const result = await verify({
      secret,
      timestamp: c.req.header(HEADERS.timestamp),
      signature: c.req.header(HEADERS.signature),
      body: c.get('body') ?? '',
      ...(options.windowSeconds !== undefined && { windowSeconds: options.windowSeconds }),
      ...(options.nowSeconds !== undefined && { nowSeconds: options.nowSeconds() }),
    });
    if (!result.ok)
      throw new WorkerError('unauthorized', `request refused (${result.reason}): ${result.message}`);
    await next();
  });
}
