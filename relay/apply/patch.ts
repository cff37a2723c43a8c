// The parts of a server-side apply request shared by the applier and the finalizer: the content type, the identifying body, a refusal named in RBAC's terms, and the typed failure.
import type { ResourceInfo } from '../kube/discovery.ts';
import { asForbidden } from '../kube/forbidden.ts';
import type { KObject } from '../kube/object.ts';

export const APPLY = 'application/apply-patch+yaml';

/** A write to the apiserver failed; nothing after the failing step ran. */
export class ApplyFailed extends Error {
  override readonly name = 'ApplyFailed';
  readonly key: string;
  readonly step: 'dry-run' | 'apply' | 'prune' | 'status' | 'finalizer';
  /** What the apiserver said (with the object it concerns), without the relay's advice. */
  readonly detail: string;
  constructor(key: string, step: ApplyFailed['step'], message: string, cause?: unknown) {
    super(
      `${step} failed for ${key}: ${message}; check the reconciler's output and the relay's RBAC; retrying`,
      {
        cause,
      },
    );
    this.key = key;
    this.step = step;
    this.detail = message;
  }
}

/** The identifying part of a server-side apply body for `obj`: apiVersion, kind, name and namespace. */
export function applyTarget(obj: KObject): {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
} {
  const { name, namespace } = obj.metadata;
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: { name, ...(namespace ? { namespace } : {}) },
  };
}

/** A 403 as a Forbidden naming the verb, resource and namespace (relay/kube/forbidden.ts); else `error`. */
export function refused(
  error: unknown,
  verb: string,
  r: ResourceInfo,
  namespace: string | undefined,
  subresource?: string,
): unknown {
  return asForbidden(error, {
    verb,
    apiVersion: r.apiVersion,
    resource: subresource ? `${r.plural}/${subresource}` : r.plural,
    namespace: r.namespaced ? namespace : undefined,
  });
}
