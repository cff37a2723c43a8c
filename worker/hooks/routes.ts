// The worker's hook routes: the public `POST /hooks/<cluster>/<digest>`, and the relay's signed connect and status, each handed to the cluster's object.
import type { Context } from 'hono';
import { DEFAULT_HOOK_BODY_BYTES, HOOK_PATH, HOOK_ROUTES } from '../../src/protocol/hooks.ts';
import type { ErrorCode } from '../../src/protocol/errors.ts';
import { WorkerError } from '../errors/worker-error.ts';
import { cachedKeyRing, type KeyRing } from '../signing/index.ts';
import type { WorkerEnv } from '../types.ts';
import { NO_SUCH_HOOK, tooLarge } from './accept.ts';
import { readCapped } from './body.ts';
import { CLUSTER_HEADER, ERROR_CODE_HEADER } from './object.ts';
import { upgradeResponse, webSocketOf, type DurableObjectNamespace } from './runtime.ts';
import { verifyNoHook } from './verify.ts';

/** The object of `cluster`; 500 when this worker was deployed without the HOOKS binding. */
function objectOf(c: Context<WorkerEnv>, cluster: string) {
  const namespace: DurableObjectNamespace | undefined = c.env.HOOKS;
  if (namespace === undefined) {
    throw new WorkerError(
      'internal',
      'this worker has no HOOKS Durable Object binding: add it and its migration to wrangler.toml (see the worker README, "Hooks")',
    );
  }
  return namespace.get(namespace.idFromName(cluster));
}

/** The cluster the verified key signs for (verifySignature ran before). */
function verifiedCluster(c: Context<WorkerEnv>): string {
  const cluster = c.get('cluster');
  if (cluster === undefined) throw new WorkerError('internal', 'hook route reached without a verified key');
  return cluster;
}

/** `GET /v1/hooks/connect` (signed, `Upgrade: websocket`): the relay's WebSocket, served by its cluster's object. */
export function connectHooks() {
  return async function connectHooks(c: Context<WorkerEnv>): Promise<Response> {
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
      throw new WorkerError('bad_request', `${HOOK_ROUTES.connect} is a WebSocket: send Upgrade: websocket`);
    }
    const cluster = verifiedCluster(c);
    const answer = await objectOf(c, cluster).fetch(
      new Request(`https://hooks.internal${HOOK_ROUTES.connect}`, {
        headers: { upgrade: 'websocket', [CLUSTER_HEADER]: cluster },
      }),
    );
    const socket = webSocketOf(answer);
    if (socket === undefined) {
      throw new WorkerError(
        'internal',
        `the hook object of cluster ${cluster} did not accept the WebSocket (${String(answer.status)})`,
      );
    }
    return upgradeResponse(socket);
  };
}

/** `GET /v1/hooks/status` (signed): the counts of the caller's own cluster's object. */
export function hookStatus() {
  return async function hookStatus(c: Context<WorkerEnv>): Promise<Response> {
    const cluster = verifiedCluster(c);
    const answer = await objectOf(c, cluster).fetch(
      new Request(`https://hooks.internal${HOOK_ROUTES.status}`, { headers: { [CLUSTER_HEADER]: cluster } }),
    );
    return new Response(answer.body, answer);
  };
}

export interface DeliverOptions {
  /** The worker's keys, whose clusters are the only ones with hooks; defaults to the signing bindings. */
  keys?: (c: Context<WorkerEnv>) => KeyRing;
}

/**
 * `POST /hooks/*` (public): a path of a cluster this worker holds a key for goes to that cluster's object,
 * which caps the body, verifies and stores. Any other path gets the object's answer for an unknown hook,
 * after the same work (the body read under the default cap, one HMAC), so no path can be told apart.
 */
export function deliverHook(options: DeliverOptions = {}) {
  const ringOf = cachedKeyRing();
  const keysOf = options.keys ?? ((c: Context<WorkerEnv>) => ringOf(c.env));
  return async function deliverHook(c: Context<WorkerEnv>): Promise<Response> {
    const cluster = HOOK_PATH.exec(c.req.path)?.[1];
    const clusters = new Set([...keysOf(c).values()].map((key) => key.cluster));
    if (cluster !== undefined && clusters.has(cluster)) {
      const answer = await objectOf(c, cluster).fetch(c.req.raw);
      const code = answer.headers.get(ERROR_CODE_HEADER);
      if (code !== null) c.set('errorCode', code as ErrorCode);
      const response = new Response(answer.body, answer);
      response.headers.delete(ERROR_CODE_HEADER);
      return response;
    }
    const body = await readCapped(c.req.raw, DEFAULT_HOOK_BODY_BYTES);
    const refusal = body === undefined ? tooLarge(DEFAULT_HOOK_BODY_BYTES) : NO_SUCH_HOOK;
    if (body !== undefined) await verifyNoHook(body);
    throw new WorkerError(refusal.code, refusal.message);
  };
}
