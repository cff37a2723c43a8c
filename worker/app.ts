// Builds the worker's Hono app from a reconciler registry: middleware, routes and the error handler.
import { Hono } from 'hono';
import type { ReconcilerRegistry } from '../src/contract/wit.ts';
import { ROUTES } from '../src/protocol/routes.ts';
import { errorResponse, notFoundResponse } from './errors/index.ts';
import { HOOK_ROUTES } from '../src/protocol/hooks.ts';
import { connectHooks, deliverHook, hookStatus } from './hooks/index.ts';
import { consoleLog, type LogWriter } from './log.ts';
import {
  announceProtocol,
  bodyLimit,
  requestLog,
  requireProtocol,
  verifySignature,
  type SignatureOptions,
} from './middleware/index.ts';
import { InstancePool } from './reconcilers/index.ts';
import { health, listReconcilers, reconcile } from './routes/index.ts';
import type { WorkerEnv } from './types.ts';

/** The Durable Object class a worker entry exports for its HOOKS binding (wrangler.toml). */
export { ClusterHooks } from './hooks/index.ts';

export interface AppOptions {
  /** Reconciler name → component factory (generated: build/reconcilers/registry.ts). */
  registry: ReconcilerRegistry;
  /** Largest request body in bytes; defaults to MAX_BODY_BYTES. */
  maxBodyBytes?: number;
  /** Secret source, replay window and clock of the signature check. */
  signature?: SignatureOptions;
  /** Where JSON log lines go; defaults to console.log. */
  log?: LogWriter;
  /** The protocol version this worker speaks; defaults to PROTOCOL_VERSION (tests build workers of another). */
  protocolVersion?: number;
}

export function createApp(options: AppOptions): Hono<WorkerEnv> {
  const log = options.log ?? consoleLog;
  const pool = new InstancePool({
    registry: options.registry,
    onInstantiate: (event) => {
      log({ level: 'info', msg: 'instantiate', ...event, ms: Math.round(event.ms * 1000) / 1000 });
    },
  });

  const app = new Hono<WorkerEnv>();
  const protocol = options.protocolVersion === undefined ? {} : { version: options.protocolVersion };
  // Order matters: log everything; state our protocol on every answer; bound the body before anyone
  // reads it; verify before anything runs; refuse another protocol before a component is touched.
  // The public hook route answers before the body limit: its cap is the hook's own (up to 25 MB), applied
  // by the cluster's hook object while it reads, and the request log never sees a hook's body.
  app.use(requestLog({ write: log }));
  app.use(announceProtocol(protocol));
  app.post(
    '/hooks/*',
    deliverHook(options.signature?.keys === undefined ? {} : { keys: options.signature.keys }),
  );
  app.use(bodyLimit(options.maxBodyBytes === undefined ? {} : { maxBytes: options.maxBodyBytes }));
  app.get(ROUTES.health, health);
  app.use('/v1/*', verifySignature(options.signature));
  app.use('/v1/*', requireProtocol(protocol));
  app.get(ROUTES.list, listReconcilers(pool));
  // Not ROUTES.reconcile(':name'): it URL-encodes the colon.
  app.post('/v1/reconcilers/:name/reconcile', reconcile(pool));
  app.get(HOOK_ROUTES.connect, connectHooks());
  app.get(HOOK_ROUTES.status, hookStatus());
  app.onError(errorResponse);
  app.notFound(notFoundResponse);
  return app;
}
