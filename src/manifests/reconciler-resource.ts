// Builds the `Reconciler` resource (zeroloop.dev/v1alpha1) that has the relay run one reconciler from its descriptor.
import type { Descriptor, JsonObject, KubeObject } from '../protocol/schemas.ts';

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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A starting `spec.config` from the descriptor's config schema: each top-level property's `default`,
 * so the settings show in the resource, ready to edit. Undefined when the schema gives none.
 */
export function configDefaults(schema: JsonObject | undefined): JsonObject | undefined {
  const properties = schema?.properties;
  if (!isObject(properties)) return undefined;
  const defaults: JsonObject = {};
  for (const [name, property] of Object.entries(properties)) {
    if (isObject(property) && property.default !== undefined) defaults[name] = property.default;
  }
  return Object.keys(defaults).length > 0 ? defaults : undefined;
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
      ...withConfig(configDefaults(descriptor.configSchema)),
    },
  };
}

function withConfig(config: JsonObject | undefined): { config?: JsonObject } {
  return config === undefined ? {} : { config };
}
