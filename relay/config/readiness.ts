// A running Reconciler's readiness: what holds it back besides its caches (RBAC refusals of a watch or of its writes, a worker that does not match this relay), and the Ready condition that follows.
import type { ReconcilerSpec } from '../api/reconciler.ts';
import type { AnswerVersions } from '../dispatch/dispatcher.ts';
import type { Controller } from '../controller/controller.ts';
import type { Forbidden } from '../kube/forbidden.ts';
import type { KObject } from '../kube/object.ts';
import type { Logger } from '../observe/log.ts';
import { scopeId } from '../watch/informer.ts';
import type { KindScope } from '../watch/list-watch.ts';
import { type ReconcilerConditions, runningMessage } from './status.ts';
import {
  type CompatibilityChange,
  INCOMPATIBLE_WORKER,
  WorkerCompatibility,
  type WorkerTarget,
} from './worker-compatibility.ts';

/** Whether a controller of `spec` watches `scope`: one of its kinds, in one of its namespaces. */
export function needs(spec: ReconcilerSpec, scope: KindScope): boolean {
  const kinds = [spec.primary, ...spec.owns, ...spec.reads];
  if (!kinds.some((k) => k.apiVersion === scope.apiVersion && k.kind === scope.kind)) return false;
  return (
    spec.namespaces.length === 0 || scope.namespace === undefined || spec.namespaces.includes(scope.namespace)
  );
}

/** The message of the log line of an RBAC refusal (one per Reconciler, verb, resource and namespace). */
export const MSG_FORBIDDEN = 'forbidden: missing RBAC grant';

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

export interface ReadinessOptions {
  conditions: ReconcilerConditions;
  log: Logger;
  /** The Reconciler as cached now. */
  current: (name: string) => KObject | undefined;
  /** The running controllers, by Reconciler name. */
  running: () => [string, Pick<Controller, 'config' | 'synced'>][];
}

/**
 * Sets a running Reconciler's Ready condition from what holds it back: a refused watch or write
 * (Ready=False Forbidden, naming verb, resource and namespace; the watch keeps retrying), a worker
 * that does not match (Ready=False IncompatibleWorker); Ready=True Running once nothing does.
 */
export class Readiness {
  #o: ReadinessOptions;
  #holds = new ReadinessHolds();

  constructor(options: ReadinessOptions) {
    this.#o = options;
  }

  /** Whether anything holds `name` back. */
  held(name: string): boolean {
    return this.#holds.held(name);
  }

  /** A watch of `scope` was refused: every Reconciler that needs it is held back; returns how many. */
  watchForbidden(scope: KindScope, error: Forbidden): number {
    let held = 0;
    for (const [name, controller] of this.#o.running()) {
      if (!needs(controller.config.spec, scope)) continue;
      held++;
      this.#refuse(name, scopeId(scope), error);
    }
    return held;
  }

  /** A watch of `scope` listed: it holds nobody back any more. */
  watchListed(scope: KindScope): void {
    for (const name of this.#holds.refused()) this.#grant(name, scopeId(scope));
  }

  /** A controller's write was refused (`error`), or succeeded after one was (undefined). */
  writes(name: string, error: Forbidden | undefined): void {
    if (error) this.#refuse(name, WRITES, error);
    else this.#grant(name, WRITES);
  }

  /** Its controller stopped: nothing holds it any more. */
  forget(name: string): void {
    this.#holds.forget(name);
  }

  /** Records that `name` is refused `id` (a watch's scope, or its writes): Ready=False Forbidden. */
  #refuse(name: string, id: string, error: Forbidden): void {
    this.#holds.refuse(name, id, error);
    this.#o.log.error(MSG_FORBIDDEN, {
      reconcilerResource: name,
      verb: error.verb,
      apiGroup: error.apiGroup,
      resource: error.resource,
      namespace: error.namespace,
      error: error.message,
    });
    const current = this.#o.current(name);
    if (current)
      void this.#o.conditions.set(current, { ready: 'False', reason: 'Forbidden', message: error.message });
  }

  /** `name` is no longer refused `id`; once refused nothing and synced, it is Ready again. */
  #grant(name: string, id: string): void {
    if (!this.#holds.grant(name, id)) return;
    this.#o.log.info('granted again', { reconcilerResource: name });
    this.#readyAgain(name);
  }

  /**
   * A worker answered: each Reconciler calling it under that name goes Ready=False IncompatibleWorker
   * when relay and worker do not match (the message names both versions and what to upgrade), and
   * back to Ready once an answer matches. Reconciles meanwhile fail and retry with backoff.
   */
  workerAnswered(answer: AnswerVersions): void {
    const specs = this.#o.running().map(([name, c]): [string, ReconcilerSpec] => [name, c.config.spec]);
    for (const change of this.#holds.workerAnswered(answer, specs)) {
      const current = this.#o.current(change.name);
      if (change.incompatible) {
        this.#o.log.error('incompatible worker', { reconcilerResource: change.name, error: change.message });
        const ready = { ready: 'False' as const, reason: INCOMPATIBLE_WORKER, message: change.message };
        if (current) void this.#o.conditions.set(current, ready);
      } else {
        this.#o.log.info('worker compatible again', { reconcilerResource: change.name });
        this.#readyAgain(change.name);
      }
    }
  }

  /** Ready=True Running, unless something still holds `name` back (RBAC, an incompatible worker) or it has not synced. */
  #readyAgain(name: string): void {
    if (this.#holds.held(name)) return;
    const controller = this.#o.running().find(([n]) => n === name)?.[1];
    const current = this.#o.current(name);
    if (!controller?.synced || !current) return;
    this.#o.log.info('Ready', { reconcilerResource: name });
    const message = runningMessage(controller.config.spec);
    void this.#o.conditions.set(current, { ready: 'True', reason: 'Running', message });
  }
}
