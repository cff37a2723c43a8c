// Builds the reconcile request from the cache: the current primary, its owned objects, related objects.
import type { ReconcileRequest, Trigger } from '../../src/protocol/schemas.ts';
import type { KObject } from '../kube/object.ts';

export interface Snapshot {
  primary: KObject;
  owned: KObject[];
  related?: KObject[];
  trigger: Trigger;
  finalizing?: boolean;
}

/** Level-triggered: everything comes from the cache at call time, never from an event body. */
export function buildRequest(s: Snapshot): ReconcileRequest {
  const byName = (a: KObject, b: KObject) =>
    `${a.kind}/${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(
      `${b.kind}/${b.metadata.namespace ?? ''}/${b.metadata.name}`,
    );
  return {
    primary: s.primary,
    owned: [...s.owned].sort(byName),
    related: [...(s.related ?? [])].sort(byName),
    trigger: s.trigger,
    finalizing: s.finalizing ?? false,
  };
}
