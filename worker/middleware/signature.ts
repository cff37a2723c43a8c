// Middleware that verifies the relay's HMAC signature (key id, time, nonce, method, path, body) and refuses replays; 401, and nothing runs, otherwise.
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { HEADERS } from '../../src/protocol/routes.ts';
import { DEFAULT_REPLAY_WINDOW_SECONDS, verify } from '../../src/signing.ts';
import { WorkerError } from '../errors/worker-error.ts';
import { cachedKeyRing, ReplayGuard, type KeyRing } from '../signing/index.ts';
import type { WorkerEnv } from '../types.ts';

export interface SignatureOptions {
  /** The worker's keys; defaults to the SIGNING_KEYS and SIGNING_SECRET bindings (signing/keyring.ts). */
  keys?: (c: Context<WorkerEnv>) => KeyRing;
  /** Replay window in seconds; defaults to the protocol's. */
  windowSeconds?: number;
  /** The clock, in unix seconds (tests). */
  nowSeconds?: () => number;
  /** Accepted signatures this isolate remembers against replay; defaults to DEFAULT_REPLAY_ENTRIES. */
  replayEntries?: number;
}

/** Must run after `bodyLimit`, which stores the raw body the signature covers. */
export function verifySignature(options: SignatureOptions = {}) {
  const ringOf = cachedKeyRing();
  const keysOf = options.keys ?? ((c: Context<WorkerEnv>) => ringOf(c.env));
  const windowSeconds = options.windowSeconds ?? DEFAULT_REPLAY_WINDOW_SECONDS;
  const clock = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  // One per app, so one per isolate in production.
  const replays = new ReplayGuard(
    options.replayEntries === undefined ? {} : { maxEntries: options.replayEntries },
  );
  return createMiddleware<WorkerEnv>(async function verifySignature(c, next) {
    const keys = keysOf(c);
    const nowSeconds = clock();
    const result = await verify({
      headers: {
        keyId: c.req.header(HEADERS.keyId),
        timestamp: c.req.header(HEADERS.timestamp),
        nonce: c.req.header(HEADERS.nonce),
        signature: c.req.header(HEADERS.signature),
      },
      secretOf: (keyId) => keys.get(keyId)?.secret,
      method: c.req.method,
      path: new URL(c.req.url).pathname,
      body: c.get('body') ?? '',
      nowSeconds,
      windowSeconds,
    });
    if (!result.ok) {
      throw new WorkerError('unauthorized', `request refused (${result.reason}): ${result.message}`);
    }
    c.set('keyId', result.keyId);
    c.set('cluster', keys.get(result.keyId)?.cluster);
    if (!replays.admit(result.signature, result.timestamp + windowSeconds, nowSeconds)) {
      throw new WorkerError(
        'unauthorized',
        'request refused (replayed): this worker already accepted this signature; sign each request with a fresh nonce',
      );
    }
    await next();
  });
}
