// The apiserver refused the relay's identity a request (403): which verb on which resource in which namespace, and what to grant.
import { groupOf } from '../../src/keys.ts';
import { KubeApiError } from './client.ts';

/** What was refused, in RBAC's terms (a rule's verb, apiGroup and resource, and where). */
export interface ForbiddenRequest {
  verb: string;
  apiVersion: string;
  /** The REST resource (plural), with `/subresource` if any. */
  resource: string;
  /** undefined: cluster-wide (all namespaces, or a cluster-scoped kind). */
  namespace: string | undefined;
}

/**
 * RBAC refused the relay a request. The message names the verb, resource and namespace, and says
 * what to do: apply the RBAC `zeroloop manifests <reconciler>` prints, or add the missing rule.
 */
export class Forbidden extends Error {
  override readonly name = 'Forbidden';
  readonly verb: string;
  readonly apiGroup: string;
  readonly resource: string;
  readonly namespace: string | undefined;
  constructor(request: ForbiddenRequest, cause: unknown) {
    const apiGroup = groupOf(request.apiVersion);
    const where = request.namespace === undefined ? 'cluster-wide' : `in namespace ${request.namespace}`;
    const resource = apiGroup === '' ? request.resource : `${request.resource}.${apiGroup}`;
    super(
      `the relay's ServiceAccount may not ${request.verb} ${resource} ${where}; ` +
        `grant it (apply the RBAC \`zeroloop manifests <reconciler>\` prints, or add verb ${request.verb} ` +
        `on ${resource} to its Role); retrying`,
      { cause },
    );
    this.verb = request.verb;
    this.apiGroup = apiGroup;
    this.resource = request.resource;
    this.namespace = request.namespace;
  }
}

/**
 * `error` as a Forbidden if the apiserver answered 403, else `error` unchanged. The verb is the one
 * the apiserver names when it differs from the request's: a server-side apply (patch) that creates
 * an object is refused as `create`.
 */
export function asForbidden(error: unknown, request: ForbiddenRequest): unknown {
  if (!(error instanceof KubeApiError && error.status === 403)) return error;
  const verb = /cannot (\w+) resource/.exec(error.message)?.[1] ?? request.verb;
  return new Forbidden({ ...request, verb }, error);
}

/** The Forbidden in `error`'s cause chain, if any. */
export function findForbidden(error: unknown): Forbidden | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++)
    if (e instanceof Forbidden) return e;
  return undefined;
}
