// The worker's Hono environment: its bindings and the per-request variables.
import type { ErrorCode } from '../src/protocol/errors.ts';
import type { DurableObjectNamespace } from './hooks/runtime.ts';

/**
 * The bindings the app reads: the two signing secrets and the hook objects. wrangler.toml declares them,
 * but a deployment sets either secret or both, and an older project's config has no HOOKS, so each may be
 * missing. Written out rather than picked from `wrangler types`' global `Env`, so a team's project
 * type-checks this package without generating that file.
 */
export interface WorkerBindings {
  SIGNING_KEYS?: string;
  SIGNING_SECRET?: string;
  /** One ClusterHooks Durable Object per cluster (worker/hooks/); without it the hook routes answer 500. */
  HOOKS?: DurableObjectNamespace;
}

/** What a request learns on its way through, read by the request log; each is unset until learned. */
export interface WorkerVariables {
  /** The raw request body, read once under the size limit. */
  body?: string;
  /** The id of the key that signed the request, once verified. */
  keyId?: string;
  /** The cluster of that key: who sent the request. */
  cluster?: string | undefined;
  /** The reconciler named in the path. */
  reconciler?: string;
  /** `namespace/name` of the request's primary object, once validated. */
  primaryKey?: string;
  /** Milliseconds spent inside the component's `reconcile`. */
  reconcileMs?: number;
  /** The error code of a failed request. */
  errorCode?: ErrorCode;
  /** Stack of an unexpected error, for the log only (never sent to the client). */
  errorDetail?: string;
}

export interface WorkerEnv {
  Bindings: WorkerBindings;
  Variables: WorkerVariables;
}
