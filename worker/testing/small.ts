// A small (about 2 KB) reconcile request: a Website with the three objects it owns, after they converged.
import type { KubeObject, ReconcileRequest } from '../../src/protocol/schemas.ts';

const NAMESPACE = 'default';
const GROUP = 'examples.zeroloop.dev/v1alpha1';
const LABELS = { 'app.kubernetes.io/name': 'website', 'app.kubernetes.io/instance': 'hello' };

function owned(apiVersion: string, kind: string, name: string, rest: Record<string, unknown>): KubeObject {
  return {
    apiVersion,
    kind,
    metadata: {
      name,
      namespace: NAMESPACE,
      uid: `uid-${kind.toLowerCase()}-${name}`,
      resourceVersion: '2048',
      labels: LABELS,
      ownerReferences: [
        { apiVersion: GROUP, kind: 'Website', name: 'hello', uid: 'uid-hello', controller: true },
      ],
    },
    ...rest,
  };
}

/** A Website `hello` (2 replicas, custom HTML) with its Deployment (ready), Service and HTML ConfigMap. */
export function smallWebsiteRequest(): ReconcileRequest {
  return {
    primary: {
      apiVersion: GROUP,
      kind: 'Website',
      metadata: {
        name: 'hello',
        namespace: NAMESPACE,
        uid: 'uid-hello',
        resourceVersion: '2040',
        generation: 3,
      },
      spec: {
        replicas: 2,
        html: '<!doctype html>\n<html><body><h1>Hello from zeroloop</h1></body></html>\n',
      },
    },
    owned: [
      owned('apps/v1', 'Deployment', 'hello', {
        spec: { replicas: 2, selector: { matchLabels: LABELS } },
        status: { observedGeneration: 3, replicas: 2, readyReplicas: 2, updatedReplicas: 2 },
      }),
      owned('v1', 'Service', 'hello', {
        spec: { selector: LABELS, ports: [{ name: 'http', port: 80, targetPort: 80 }] },
      }),
      owned('v1', 'ConfigMap', 'hello-html', {
        data: { 'index.html': '<!doctype html>\n<html><body><h1>Hello from zeroloop</h1></body></html>\n' },
      }),
    ],
    related: [],
    trigger: {
      type: 'owned',
      ref: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: NAMESPACE, name: 'hello' },
    },
    finalizing: false,
  };
}
