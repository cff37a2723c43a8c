// Realistic reconcile requests for the example reconcilers: a primary, 10 owned and 20 related objects.
import type { KubeObject, ReconcileRequest } from '../../src/protocol/schemas.ts';

const NAMESPACE = 'default';
const GROUP = 'examples.zeroloop.dev/v1alpha1';

function meta(name: string, labels: Record<string, string>, extra: Record<string, unknown> = {}) {
  return { name, namespace: NAMESPACE, uid: `uid-${name}`, resourceVersion: '1042', labels, ...extra };
}

function owner(kind: string, name: string) {
  return [{ apiVersion: GROUP, kind, name, uid: `uid-${name}`, controller: true }];
}

/** A Pod; `ready` sets its Ready condition. */
export function pod(name: string, labels: Record<string, string>, ready: boolean): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta(name, labels),
    spec: { containers: [{ name: 'main', image: 'example:1', ports: [{ containerPort: 80 }] }] },
    status: {
      phase: 'Running',
      conditions: [
        { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: '2026-11-22T00:00:00Z' },
      ],
    },
  };
}

/** ConfigMaps owned by `kind/name`, filling the owned list up to `count` (about 500 bytes each). */
function ownedConfigMaps(
  kind: string,
  name: string,
  count: number,
  labels: Record<string, string>,
): KubeObject[] {
  return Array.from({ length: count }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(`${name}-extra-${i}`, labels, { ownerReferences: owner(kind, name) }),
    data: { 'settings.conf': `# extra settings ${i}\n${'key=value\n'.repeat(40)}` },
  }));
}

/** A Website `hello` (2 replicas, custom HTML) with 10 owned objects and 20 related ConfigMaps. */
export function websiteRequest(): ReconcileRequest {
  const labels = { 'app.kubernetes.io/name': 'website', 'app.kubernetes.io/instance': 'hello' };
  const deployment: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta('hello', labels, { generation: 3, ownerReferences: owner('Website', 'hello') }),
    spec: { replicas: 2 },
    status: { observedGeneration: 3, replicas: 2, readyReplicas: 2, updatedReplicas: 2 },
  };
  return {
    primary: {
      apiVersion: GROUP,
      kind: 'Website',
      metadata: meta('hello', {}, { generation: 3 }),
      spec: {
        replicas: 2,
        html: '<!doctype html>\n<html><body><h1>Hello from zeroloop</h1></body></html>\n',
      },
    },
    owned: [deployment, ...ownedConfigMaps('Website', 'hello', 9, labels)],
    related: Array.from({ length: 20 }, (_, i) => pod(`hello-${i}`, labels, i % 2 === 0)),
    trigger: {
      type: 'owned',
      ref: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: NAMESPACE, name: 'hello' },
    },
    finalizing: false,
  };
}

/** How many of `databaseRequest()`'s related Pods are ready members of `orders`. */
export const DATABASE_READY_MEMBERS = 3;

/**
 * A Database `orders` (3 members) with 10 owned objects and 20 related Pods: 3 ready members, 1 member
 * not ready, and 16 Pods of another app.
 */
export function databaseRequest(): ReconcileRequest {
  const labels = { 'app.kubernetes.io/name': 'database', 'app.kubernetes.io/instance': 'orders' };
  const statefulSet: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: meta('orders', labels, { generation: 1, ownerReferences: owner('Database', 'orders') }),
    spec: { replicas: 3, serviceName: 'orders' },
    status: { replicas: 4, readyReplicas: 3 },
  };
  const members = Array.from({ length: 4 }, (_, i) => pod(`orders-${i}`, labels, i < DATABASE_READY_MEMBERS));
  const others = Array.from({ length: 16 }, (_, i) =>
    pod(`shop-${i}`, { 'app.kubernetes.io/name': 'shop', 'app.kubernetes.io/instance': 'shop' }, true),
  );
  return {
    primary: {
      apiVersion: GROUP,
      kind: 'Database',
      metadata: meta('orders', {}, { generation: 1 }),
      spec: { members: 3, storage: '2Gi' },
    },
    owned: [statefulSet, ...ownedConfigMaps('Database', 'orders', 9, labels)],
    related: [...members, ...others],
    trigger: {
      type: 'related',
      ref: { apiVersion: 'v1', kind: 'Pod', namespace: NAMESPACE, name: 'orders-0' },
    },
    finalizing: false,
  };
}
