// The types a reconciler author works with: parsed objects, the request, and the result to return.
import type { JsonObject, KindRef, KubeObject, Trigger } from '../../src/protocol/schemas.ts';
import type { ObjectSet } from './objects.ts';

export type { JsonObject, KindRef, KubeObject, Trigger };

/** What `describe()` returns, in the protocol's JSON shape. */
export interface Descriptor {
  name: string;
  version: string;
  primary: KindRef;
  owns: readonly KindRef[];
  reads: readonly KindRef[];
  finalizer: boolean;
}

/** A related-object selector: the protocol's JSON shape (`matchLabels` as a map). */
export interface Selector {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name?: string;
  matchLabels: Readonly<Record<string, string>>;
}

/** A Kubernetes Event to record on the primary. */
export interface ReconcilerEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** A status condition with Kubernetes (`metav1.Condition`) semantics. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

/** The request as the author sees it: parsed, checked objects. */
export interface Request {
  /** The primary object (its kind was checked against the descriptor). */
  primary: KubeObject;
  /** `namespace/name` of the primary, for messages. */
  key: string;
  /** The objects the primary owns. */
  owned: ObjectSet;
  /** The related objects matching the selectors returned last time. */
  related: ObjectSet;
  trigger: Trigger;
  /** True when the primary is being deleted and the reconciler holds a finalizer. */
  finalizing: boolean;
  /**
   * The latest time the request itself gives evidence of (see `observedAt` in conditions.ts):
   * a reconcile has no clock, so new condition transitions are stamped with this.
   */
  observedAt: string;
  /**
   * A condition of the primary's status: keeps the previous `lastTransitionTime` when the status
   * is unchanged, and stamps `observedAt` when it changes or is new.
   */
  condition(type: string, status: Condition['status'], reason: string, message: string): Condition;
}

/** What `reconcile` returns. Every field is optional; omitted means empty / unchanged / false. */
export interface Result {
  /** The full set of owned objects that should exist; owned objects missing here are pruned. */
  desired?: readonly KubeObject[];
  /** The primary's new `.status`; omitted or null leaves it unchanged. */
  status?: JsonObject | null;
  /** Selectors of related objects to pass in next time; replaces the previous set. */
  related?: readonly Selector[];
  /** Milliseconds after which to reconcile again even if nothing changes. Rare. */
  requeueAfter?: number;
  /** While finalizing: true once teardown is complete. */
  finalized?: boolean;
  events?: readonly ReconcilerEvent[];
}

/** A reconciler: its descriptor and its pure reconcile function. */
export interface Definition {
  describe: Descriptor;
  reconcile(request: Request): Result;
}
