// Derives a reconciler's least-privilege RBAC from its descriptor: what the relay needs on its primary, owns and reads.
//
// Scope: a Reconciler confined to namespaces gets a Role and RoleBinding in each of them (the relay
// lists and watches per namespace then); one over all namespaces gets a ClusterRole and
// ClusterRoleBinding (the relay watches cluster-wide). Either way the subject is the relay's
// ServiceAccount, and the rights are only these:
// - primary: get/list/watch; patch on `<plural>/status` (the answer's status, server-side apply);
//   patch on the primary itself only with a finalizer (the relay applies its finalizer); update on
//   `<plural>/finalizers`, which the apiserver asks for when a child's ownerReference sets
//   blockOwnerDeletion (OwnerReferencesPermissionEnforcement).
// - owns: get/list/watch (the caches and the adoption check), create and patch (a server-side apply
//   that creates an object is authorized as both), delete (pruning what the answer no longer desires).
// - reads: get/list/watch.
import { groupOf } from '../keys.ts';
import type { Descriptor, KindRef, KubeObject } from '../protocol/schemas.ts';

/** Where the relay runs: its ServiceAccount is the subject of every binding. */
export interface RelayIdentity {
  namespace: string;
  serviceAccount: string;
}

export const DEFAULT_RELAY: RelayIdentity = {
  namespace: 'zeroloop-system',
  serviceAccount: 'zeroloop-relay',
};

export interface RbacOptions {
  /** The Reconciler resource's name; the RBAC objects are `zeroloop-reconciler-<name>`. */
  name: string;
  /** The Reconciler's namespaces; empty means all namespaces (cluster scope). */
  namespaces: readonly string[];
  relay: RelayIdentity;
}

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

const READ = ['get', 'list', 'watch'];
const OWN = ['get', 'list', 'watch', 'create', 'patch', 'delete'];

/**
 * The REST resource (plural) of a kind, guessed the way client-go's `meta.UnsafeGuessKindToResource`
 * does: lower case, then `s`, `es` after an s/x/z/ch/sh ending, `ies` for a consonant + y. CRDs
 * whose plural differs need their own rule (`zeroloop manifests` prints the guess for review).
 */
export function guessResource(kind: string): string {
  const lower = kind.toLowerCase();
  if (/(s|x|z|ch|sh)$/.test(lower)) return `${lower}es`;
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

/** The rules a reconciler needs, one per API group and verb set, in a stable order. */
export function rulesFor(descriptor: Descriptor): PolicyRule[] {
  const grants: { kind: KindRef; sub?: string; verbs: readonly string[] }[] = [
    { kind: descriptor.primary, verbs: descriptor.finalizer ? [...READ, 'patch'] : READ },
    { kind: descriptor.primary, sub: 'status', verbs: ['patch'] },
    { kind: descriptor.primary, sub: 'finalizers', verbs: ['update'] },
    ...descriptor.owns.map((kind) => ({ kind, verbs: OWN })),
    ...descriptor.reads.map((kind) => ({ kind, verbs: READ })),
  ];
  // A kind both owned and read gets the owned verbs once; rules merge by (group, verbs).
  const verbsOf = new Map<string, Set<string>>();
  for (const g of grants) {
    const key = `${groupOf(g.kind.apiVersion)}\u0000${guessResource(g.kind.kind)}${g.sub ? `/${g.sub}` : ''}`;
    const verbs = verbsOf.get(key) ?? new Set<string>();
    for (const v of g.verbs) verbs.add(v);
    verbsOf.set(key, verbs);
  }
  const rules = new Map<string, PolicyRule>();
  for (const [key, verbs] of verbsOf) {
    const [group = '', resource = ''] = key.split('\u0000');
    const ordered = OWN.concat('update').filter((v) => verbs.has(v));
    const ruleKey = `${group}\u0000${ordered.join(',')}`;
    const rule = rules.get(ruleKey) ?? { apiGroups: [group], resources: [], verbs: ordered };
    rule.resources.push(resource);
    rules.set(ruleKey, rule);
  }
  return [...rules.values()];
}

/** The RBAC objects binding `rulesFor(descriptor)` to the relay, per namespace or cluster-wide. */
export function reconcilerRbac(descriptor: Descriptor, options: RbacOptions): KubeObject[] {
  const name = `zeroloop-reconciler-${options.name}`;
  const labels = { 'app.kubernetes.io/part-of': 'zeroloop', 'zeroloop.dev/reconciler': options.name };
  const rules = rulesFor(descriptor);
  const subjects = [
    { kind: 'ServiceAccount', name: options.relay.serviceAccount, namespace: options.relay.namespace },
  ];
  const rbac = 'rbac.authorization.k8s.io/v1';
  if (options.namespaces.length === 0) {
    return [
      { apiVersion: rbac, kind: 'ClusterRole', metadata: { name, labels }, rules },
      {
        apiVersion: rbac,
        kind: 'ClusterRoleBinding',
        metadata: { name, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
        subjects,
      },
    ];
  }
  return options.namespaces.flatMap((namespace) => [
    { apiVersion: rbac, kind: 'Role', metadata: { name, namespace, labels }, rules },
    {
      apiVersion: rbac,
      kind: 'RoleBinding',
      metadata: { name, namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects,
    },
  ]);
}
