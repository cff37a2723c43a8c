// Builds the `Reconciler` resource (zeroloop.dev/v1alpha1) that has the relay run one reconciler from its descriptor.
import type { Descriptor, KubeObject } from '../protocol/schemas.ts';

export interface ReconcilerResourceOptions {
  /** metadata.name (cluster scoped, so unique in the cluster). */
  name: string;
  /** The worker's base URL. */
  endpoint: string;
  /** Namespaces in scope; empty means all namespaces. */
  namespaces: readonly string[];
  signingSecretRef: { namespace: string; name: string; key: string };
  labels?: Readonly<Record<string, string>>;
}

export function reconcilerResource(descriptor: Descriptor, options: ReconcilerResourceOptions): KubeObject {
  return {
    apiVersion: 'zeroloop.dev/v1alpha1',
    kind: 'Reconciler',
    metadata: {
      name: options.name,
      labels: { 'app.kubernetes.io/part-of': 'zeroloop', ...options.labels },
    },
    spec: {
      reconciler: descriptor.name,
      endpoint: options.endpoint,
      signingSecretRef: { ...options.signingSecretRef },
      primary: descriptor.primary,
      owns: descriptor.owns,
      reads: descriptor.reads,
      finalizer: descriptor.finalizer,
      ...(options.namespaces.length > 0 ? { namespaces: [...options.namespaces] } : {}),
    },
  };
}
