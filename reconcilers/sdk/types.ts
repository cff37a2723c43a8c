// The types a reconciler author works with: parsed objects, the request, and the result to return.
import type {
  ExternalTrigger,
  JsonObject,
  KindRef,
  KubeObject,
  LastWrite,
  Trigger,
  WriteStep,
} from '../../src/protocol/schemas.ts';
import type { ObjectSet } from './objects.ts';

export type { ExternalTrigger, JsonObject, KindRef, KubeObject, LastWrite, Trigger, WriteStep };

/** What `describe()` returns, in the protocol's JSON shape. */
export interface Descriptor {
  name: string;
  version: string;
  primary: KindRef;
  owns: readonly KindRef[];
  reads: readonly KindRef[];
  finalizer: boolean;
  /**
   * JSON Schema of the `Reconciler`'s `spec.config`. The relay validates `spec.config` against it
   * before any reconcile (an invalid one is a condition on the Reconciler, and nothing runs with
   * it). Omitted: the reconciler takes no configuration. Never put a credential in config: read a
   * Secret as a related object instead.
   */
  configSchema?: JsonObject;
  /**
   * The finalizer the relay holds on primaries when `finalizer` is true; default
   * `zeroloop.dev/<name>`. A qualified name `<domain>/<name>` whose domain is the primary's group,
   * a subdomain of it, or zeroloop.dev (for example `cache.example.com/finalizer`).
   */
  finalizerName?: string;
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

/**
 * The request as the author sees it: parsed, checked objects. `Config` is what the definition's
 * `config` function makes of the Reconciler's `spec.config` (default: the JSON object, or
 * undefined when the Reconciler sets none).
 */
export interface Request<Config = JsonObject | undefined> {
  /** The primary object (its kind was checked against the descriptor). */
  primary: KubeObject;
  /** `namespace/name` of the primary, for messages. */
  key: string;
  /** The objects the primary owns. */
  owned: ObjectSet;
  /** The related objects matching the selectors returned last time. */
  related: ObjectSet;
  /** Why this reconcile happens (informational: answer the same whatever it is). */
  trigger: Trigger;
  /** True when the primary is being deleted and the reconciler holds a finalizer. */
  finalizing: boolean;
  /** The Reconciler's configuration, as the definition's `config` read it. */
  config: Config;
  /**
   * Whether the relay's write of this reconciler's previous answer for the primary applied:
   * `unknown` (no earlier answer since the relay started), `applied`, or `failed` with the step
   * (`dry-run`, `apply`, `prune`, `status`) and the apiserver's message (at most 1 KiB). Use it to
   * say in the primary's own conditions why it is stuck; the relay records Events and retries anyway.
   */
  lastWrite: LastWrite;
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
export interface Definition<Config = JsonObject | undefined> {
  describe: Descriptor;
  /**
   * Reads the Reconciler's `spec.config` (already validated against `describe.configSchema` by the
   * relay; undefined when unset) into what `request.config` gives: defaults filled in, typed. Called
   * once per distinct config, not per reconcile. Throw (`err`, or SpecReader's `done`) to refuse a
   * config: every reconcile then ends with that message. Omitted: `request.config` is the JSON
   * object as given.
   */
  config?: (config: JsonObject | undefined) => Config;
  reconcile(request: Request<Config>): Result;
}
