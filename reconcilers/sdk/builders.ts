// Builders for what a reconcile returns: owned objects, related selectors and events.
import type { JsonObject, KindRef, KubeObject, ReconcilerEvent, Selector } from './types.ts';

/** Kinds the examples use; any `{ apiVersion, kind }` works the same. */
export const kinds = {
  ConfigMap: { apiVersion: 'v1', kind: 'ConfigMap' },
  Service: { apiVersion: 'v1', kind: 'Service' },
  Pod: { apiVersion: 'v1', kind: 'Pod' },
  Secret: { apiVersion: 'v1', kind: 'Secret' },
  Deployment: { apiVersion: 'apps/v1', kind: 'Deployment' },
  StatefulSet: { apiVersion: 'apps/v1', kind: 'StatefulSet' },
} as const satisfies Record<string, KindRef>;

/** The metadata a reconciler sets on an owned object; the relay adds ownership and defaults. */
export interface ObjectMeta {
  name: string;
  namespace?: string | undefined;
  labels?: Readonly<Record<string, string>>;
  annotations?: Readonly<Record<string, string>>;
}

/**
 * An owned object: `kind`, `metadata` and the rest of its body (`spec`, `data`...). The
 * namespace should be the primary's; the relay rejects an answer that targets another one.
 */
export function object(kind: KindRef, metadata: ObjectMeta, body: JsonObject = {}): KubeObject {
  const meta: KubeObject['metadata'] = { name: metadata.name };
  if (metadata.namespace !== undefined) meta.namespace = metadata.namespace;
  if (metadata.labels) meta.labels = { ...metadata.labels };
  if (metadata.annotations) meta.annotations = { ...metadata.annotations };
  const head = { apiVersion: kind.apiVersion, kind: kind.kind, metadata: meta };
  return Object.assign(head, body, head);
}

/** Related objects of `kind` carrying all of `labels`, in the primary's namespace unless given. */
export function selectByLabels(
  kind: KindRef,
  labels: Readonly<Record<string, string>>,
  namespace?: string,
): Selector {
  const selector: Selector = { apiVersion: kind.apiVersion, kind: kind.kind, matchLabels: { ...labels } };
  if (namespace !== undefined) selector.namespace = namespace;
  return selector;
}

/** One related object of `kind` by name, in the primary's namespace unless given. */
export function selectByName(kind: KindRef, name: string, namespace?: string): Selector {
  const selector: Selector = { apiVersion: kind.apiVersion, kind: kind.kind, name, matchLabels: {} };
  if (namespace !== undefined) selector.namespace = namespace;
  return selector;
}

export function normal(reason: string, message: string): ReconcilerEvent {
  return { type: 'Normal', reason, message };
}

export function warning(reason: string, message: string): ReconcilerEvent {
  return { type: 'Warning', reason, message };
}

/** Milliseconds in `n` seconds, for `requeueAfter`. */
export function seconds(n: number): number {
  return Math.round(n * 1000);
}
