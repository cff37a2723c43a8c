// What holds a running Reconciler back from Ready besides its caches: RBAC refusals (of a watch, by scope id, or of its writes) and a worker that does not match this relay.
import type { ReconcilerSpec } from '../api/reconciler.ts';
import type { AnswerVersions } from '../dispatch/dispatcher.ts';
import type { Forbidden } from '../kube/forbidden.ts';
import type { KindScope } from '../watch/list-watch.ts';
import { type CompatibilityChange, WorkerCompatibility, type WorkerTarget } from './worker-compatibility.ts';

/** Whether a controller of `spec` watches `scope`: one of its kinds, in one of its namespaces. */
export function needs(spec: ReconcilerSpec, scope: KindScope): boolean {
  const kinds = [spec.primary, ...spec.owns, ...spec.reads];
  if (!kinds.some((k) => k.apiVersion === scope.apiVersion && k.kind === scope.kind)) return false;
  return (
    spec.namespaces.length === 0 || scope.namespace === undefined || spec.namespaces.includes(scope.namespace)
  );
}

/** The id of a controller's refused writes among its refused watches' scope ids. */
export const WRITES = 'writes';

export class ReadinessHolds {
  /** Per Reconciler, what RBAC refuses it (by scope id, or WRITES), until it lists or writes again. */
  #forbidden = new Map<string, Map<string, Forbidden>>();
  #compatibility = new WorkerCompatibility();

  /** Whether anything holds `name` back. */
  held(name: string): boolean {
    return this.#forbidden.has(name) || this.#compatibility.message(name) !== undefined;
  }

  /** Records that `name` is refused `id`. */
  refuse(name: string, id: string, error: Forbidden): void {
    const refused = this.#forbidden.get(name) ?? new Map<string, Forbidden>();
    refused.set(id, error);
    this.#forbidden.set(name, refused);
  }

  /** `name` is no longer refused `id`; true when that was its last refusal. */
  grant(name: string, id: string): boolean {
    const refused = this.#forbidden.get(name);
    if (!refused?.delete(id) || refused.size > 0) return false;
    this.#forbidden.delete(name);
    return true;
  }

  /** The Reconcilers some refusal holds back now. */
  refused(): string[] {
    return [...this.#forbidden.keys()];
  }

  /** Applies a worker's answer to the running Reconcilers calling it; returns whose compatibility changed. */
  workerAnswered(answer: AnswerVersions, running: Iterable<[string, WorkerTarget]>): CompatibilityChange[] {
    return this.#compatibility.record(answer, running);
  }

  /** Its controller stopped: nothing holds it any more. */
  forget(name: string): void {
    this.#forbidden.delete(name);
    this.#compatibility.forget(name);
  }
}
