// The scope guard: a response is applied whole or not at all; any object outside `owns` or the namespace rejects it.
import { kindId } from '../../src/keys.ts';
import type { KindRef, KubeObject } from '../../src/protocol/schemas.ts';
import type { KObject } from '../kube/object.ts';
import { identity } from './ownership.ts';

/** The response tried to write outside its scope; nothing of it was applied. */
export class ScopeRejected extends Error {
  override readonly name = 'ScopeRejected';
  readonly key: string;
  readonly violations: string[];
  constructor(key: string, violations: string[]) {
    super(
      `response for ${key} rejected, nothing applied: ${violations.join('; ')}; ` +
        'fix the reconciler or add the kind to the Reconciler resource',
    );
    this.key = key;
    this.violations = violations;
  }
}

export interface ScopeInput {
  key: string;
  primary: KObject;
  desired: KubeObject[];
  owns: KindRef[];
  /** Whether each owned kind (by kindId) is namespaced, from discovery. */
  namespaced: ReadonlyMap<string, boolean>;
  /** Namespaces in scope for a cluster-scoped primary's children; empty means any. */
  namespaces: readonly string[];
}

export interface Placed {
  object: KubeObject;
  /** The namespace the object will be applied in (defaulted), undefined for cluster-scoped kinds. */
  namespace: string | undefined;
}

/** Checks every desired object; returns them with namespaces defaulted, or throws ScopeRejected listing all violations. */
export function checkScope(input: ScopeInput): Placed[] {
  const owned = new Set(input.owns.map(kindId));
  const primaryNs = input.primary.metadata.namespace;
  const violations: string[] = [];
  const seen = new Set<string>();
  const placed: Placed[] = [];
  for (const obj of input.desired) {
    const id = kindId(obj);
    const label = `${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`;
    if (!owned.has(id)) {
      violations.push(`${label}: kind ${id} is not in owns`);
      continue;
    }
    const namespaced = input.namespaced.get(id);
    if (namespaced === undefined) {
      violations.push(`${label}: kind ${id} is unknown to the apiserver`);
      continue;
    }
    let namespace: string | undefined;
    if (!namespaced) {
      if (primaryNs !== undefined) {
        violations.push(`${label}: cluster-scoped kind ${id} is outside namespace ${primaryNs}`);
        continue;
      }
      if (obj.metadata.namespace) {
        violations.push(`${label}: cluster-scoped kind ${id} cannot have a namespace`);
        continue;
      }
    } else if (primaryNs !== undefined) {
      namespace = obj.metadata.namespace ?? primaryNs;
      if (namespace !== primaryNs) {
        violations.push(`${label}: namespace ${namespace} is not the primary's namespace ${primaryNs}`);
        continue;
      }
    } else {
      namespace = obj.metadata.namespace;
      if (!namespace) {
        violations.push(`${label}: a namespaced kind needs a namespace when the primary is cluster-scoped`);
        continue;
      }
      if (input.namespaces.length > 0 && !input.namespaces.includes(namespace)) {
        violations.push(`${label}: namespace ${namespace} is not in the Reconciler's namespaces`);
        continue;
      }
    }
    const ident = identity({ ...obj, metadata: { ...obj.metadata, namespace } });
    if (seen.has(ident)) {
      violations.push(`${label}: appears twice in desired`);
      continue;
    }
    seen.add(ident);
    placed.push({ object: obj, namespace });
  }
  if (violations.length > 0) throw new ScopeRejected(input.key, violations);
  return placed;
}
