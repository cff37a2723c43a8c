// Watches Reconciler resources and starts, restarts or stops one Controller for each, without a relay restart.
//
// It is a controller of its own, on the same parts as the others: Reconciler deltas that change
// more than the status (its own Ready writes change only the status) enqueue the name in a
// rate-limited work queue, so a Reconciler is handled once at a time, a failure (the signing
// Secret missing) retries with backoff (1 s doubling to 1 min), and no timer of its own runs.
import type { ControllerConfig, ReconcilerSpec } from '../api/reconciler.ts';
import { DescribeFailed, describeReconciler } from '../dispatch/describe.ts';
import { changeOf, checkAgainstDescriptor, ReconcilerRefused } from './reconciler-config.ts';
import { RECONCILER_KIND, ReconcilerResource } from '../api/reconciler.ts';
import type { EventRecorder } from '../apply/events.ts';
import type { Clock } from '../clock.ts';
import { realClock } from '../clock.ts';
import type { ControllerDeps, ReconcileRecord } from '../controller/controller.ts';
import { Controller } from '../controller/controller.ts';
import { primaryChanged } from '../controller/predicates.ts';
import { runWorker } from '../controller/worker-loop.ts';
import type { AnswerVersions } from '../dispatch/dispatcher.ts';
import { ALWAYS_LEADING, type Leadership } from '../election/leadership.ts';
import type { KubeRequester } from '../kube/client.ts';
import type { Forbidden } from '../kube/forbidden.ts';
import type { KObject } from '../kube/object.ts';
import type { Logger } from '../observe/log.ts';
import { initializeReconcilerSeries } from '../observe/metrics.ts';
import { RateLimitingQueue } from '../queue/rate-limited.ts';
import type { SharedInformer } from '../watch/informer.ts';
import type { KindScope } from '../watch/list-watch.ts';
import { Readiness } from './readiness.ts';
import { readSigningKey } from './signing-secret.ts';
import { ReconcilerConditions, runningMessage } from './status.ts';
import { errorMessage } from '../../src/error-message.ts';

export { SigningSecretUnavailable } from './signing-secret.ts';

interface Running {
  controller: Controller;
  uid: string;
  generation: number;
}

/** The `name` of the Manager's own work queue in the workqueue_* metrics. */
export const MANAGER_QUEUE = 'manager/Reconciler';

export type ManagerDeps = ControllerDeps & {
  client: KubeRequester;
  recorder: EventRecorder;
  /** Only Reconciler resources matching this label selector are run (sharding, tests). */
  selector?: string | undefined;
};

export class Manager {
  /** Called for each controller started (for observers such as `npm start`). */
  readonly onController = new Set<(c: Controller) => void>();
  /**
   * Observers of every finished reconcile of every controller, the ones started later included
   * (npm start's live page, recorders). Called synchronously: copy what you keep, and keep it short.
   */
  readonly onReconcile = new Set<(r: ReconcileRecord) => void>();
  #d: ManagerDeps;
  #log: Logger;
  #scope: KindScope;
  #leadership: Leadership;
  #queue: RateLimitingQueue;
  #informer: SharedInformer | undefined;
  #worker: Promise<void> | undefined;
  #running = new Map<string, Running>();
  #conditions: ReconcilerConditions;
  #readiness: Readiness;
  #onAnswer = (answer: AnswerVersions): void => {
    this.#readiness.workerAnswered(answer);
  };

  constructor(deps: ManagerDeps) {
    this.#d = deps;
    this.#scope = { ...RECONCILER_KIND, labelSelector: deps.selector };
    this.#log = deps.log.child({ component: 'manager' });
    const clock: Clock = deps.clock ?? realClock;
    this.#leadership = deps.leadership ?? ALWAYS_LEADING;
    this.#queue = new RateLimitingQueue({
      clock,
      backoff: { baseDelayMs: 1000, maxDelayMs: 60_000 },
      // Not a Reconciler's name (those are DNS names, no '/'), so its workqueue_* series stand apart.
      name: MANAGER_QUEUE,
      metricsProvider: deps.metrics.workqueue,
    });
    this.#conditions = new ReconcilerConditions({
      client: deps.client,
      metrics: deps.metrics,
      leadership: this.#leadership,
      clock,
      log: this.#log,
    });
    this.#readiness = new Readiness({
      conditions: this.#conditions,
      log: this.#log,
      current: (name) => this.#informer?.store.get(name),
      running: () => [...this.#running].map(([name, r]) => [name, r.controller]),
    });
  }

  start(): void {
    this.#d.dispatcher.onAnswer.add(this.#onAnswer);
    const informer = this.#d.informers.acquire(this.#scope);
    this.#informer = informer;
    informer.subscribe((delta) => {
      if (delta.type === 'modified' && !primaryChanged(delta.old, delta.object)) return;
      this.#queue.add(delta.object.metadata.name);
    });
    // Not awaited: the relay serves /healthz (and a failing /readyz) while the Reconciler CRD is missing.
    void informer.waitForSync().then(() => {
      for (const name of informer.store.keys()) this.#queue.add(name);
    });
    // A follower wrote no status or Event: once it leads, every Reconciler is looked at again.
    if (this.#leadership !== ALWAYS_LEADING)
      void this.#leadership.acquired.then(() => {
        for (const name of informer.store.keys()) this.#queue.add(name);
      });
    // One Reconciler at a time, each run reading the current object (level-triggered).
    this.#worker = runWorker(this.#queue, {
      handle: async (name) => {
        if (await this.#reconcile(name)) this.#queue.forget(name);
        else this.#queue.addRateLimited(name);
      },
      threw: (name, error, retryInMs) => {
        this.#log.error('reconciler sync failed', { reconcilerResource: name, error, retryInMs });
      },
    });
  }

  /** Ready once the Reconciler list is synced and every controller has synced its caches (leading or not). */
  get ready(): boolean {
    return (
      (this.#informer?.hasSynced ?? false) &&
      [...this.#running.values()].every((r) => r.controller.cachesSynced)
    );
  }

  get controllers(): ReadonlyMap<string, Controller> {
    return new Map([...this.#running].map(([name, r]) => [name, r.controller]));
  }

  async stop(deadlineMs = 10_000): Promise<void> {
    this.#d.dispatcher.onAnswer.delete(this.#onAnswer);
    this.#queue.shutDown();
    await this.#worker;
    await Promise.all([...this.#running.values()].map((r) => r.controller.stop(deadlineMs)));
    this.#running.clear();
    this.#d.metrics.controllers.set({}, 0);
    await this.#d.informers.release(this.#scope);
  }

  /** Brings the controller of `name` in line with its Reconciler; false: retry later with backoff. */
  async #reconcile(name: string): Promise<boolean> {
    const raw = this.#informer?.store.get(name);
    const running = this.#running.get(name);
    if (!raw) {
      if (running) await this.#stopController(name, running, 'Reconciler deleted');
      this.#conditions.forget(name);
      return true;
    }
    const generation = raw.metadata.generation ?? 0;
    if (running && running.uid === raw.metadata.uid && running.generation === generation) return true;
    const parsed = ReconcilerResource.safeParse(raw);
    if (!parsed.success) {
      if (running) await this.#stopController(name, running, 'Reconciler became invalid');
      const issue = parsed.error.issues[0];
      const message = `invalid Reconciler ${name}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}; fix its spec`;
      this.#log.error('invalid Reconciler', { reconcilerResource: name, error: message });
      await this.#warn(raw, 'InvalidSpec', message);
      await this.#conditions.set(raw, { ready: 'False', reason: 'InvalidSpec', message });
      return true;
    }
    let signing: { key: string; keyId?: string };
    try {
      signing = await readSigningKey(this.#d.client, parsed.data.spec.signingSecretRef);
    } catch (error) {
      this.#log.error('signing secret unavailable; retrying with backoff', {
        reconcilerResource: name,
        error,
      });
      const message = errorMessage(error);
      await this.#warn(raw, 'SigningSecretUnavailable', message);
      await this.#conditions.set(raw, { ready: 'False', reason: 'SigningSecretUnavailable', message });
      return false;
    }
    const spec = parsed.data.spec;
    let finalizerName: string | undefined;
    try {
      finalizerName = await this.#checkDescriptor(name, spec, signing);
    } catch (error) {
      // Nothing reconciles with a config or finalizer name it could not check: retried with backoff,
      // since a redeployed worker (a new schema) or a worker back up can make it good.
      if (running) await this.#stopController(name, running, 'Reconciler refused');
      const reason =
        error instanceof ReconcilerRefused || error instanceof DescribeFailed ? error.reason : 'Error';
      const message = errorMessage(error);
      this.#log.error('Reconciler refused; retrying with backoff', {
        reconcilerResource: name,
        reason,
        error: message,
      });
      await this.#warn(raw, reason, message);
      await this.#conditions.set(raw, { ready: 'False', reason, message });
      return false;
    }
    const config: ControllerConfig = {
      name,
      spec,
      signingKey: signing.key,
      ...(signing.keyId !== undefined && { signingKeyId: signing.keyId }),
      ...(finalizerName !== undefined && { finalizerName }),
    };
    const change =
      running && running.uid === raw.metadata.uid ? changeOf(running.controller.config, config) : 'restart';
    if (running && change !== 'restart') {
      // At most spec.config changed: the same controller takes it and reconciles every primary once.
      running.generation = generation;
      if (change === 'config') {
        const enqueued = running.controller.reconfigure(spec.config);
        this.#log.info('config changed; reconciling every primary', {
          reconcilerResource: name,
          generation,
          enqueued,
        });
      }
      if (running.controller.synced && !this.#readiness.held(name))
        await this.#conditions.set(raw, { ready: 'True', reason: 'Running', message: runningMessage(spec) });
      return true;
    }
    if (running) await this.#stopController(name, running, 'Reconciler changed');
    this.#startController(raw, config, generation);
    return true;
  }

  /**
   * Reads the reconciler's descriptor from its worker when the Reconciler needs it (a config to
   * validate, a finalizer to name) and checks the Reconciler against it; returns the finalizer name
   * (undefined: the default). Throws DescribeFailed or ReconcilerRefused.
   */
  async #checkDescriptor(
    name: string,
    spec: ReconcilerSpec,
    signing: { key: string; keyId?: string },
  ): Promise<string | undefined> {
    if (spec.config === undefined && !spec.finalizer) return undefined;
    const descriptor = await describeReconciler({
      reconciler: spec.reconciler,
      endpoint: spec.endpoint,
      signingKey: signing.key,
      ...(signing.keyId !== undefined && { keyId: signing.keyId }),
      timeoutMs: spec.timeoutSeconds * 1000,
    });
    return checkAgainstDescriptor(name, spec, descriptor).finalizerName;
  }

  #startController(raw: KObject, config: ControllerConfig, generation: number): void {
    const { name } = config;
    const controller = new Controller(config, this.#d);
    const current = () => this.#running.get(name)?.controller === controller;
    initializeReconcilerSeries(this.#d.metrics, name);
    this.#running.set(name, { controller, uid: raw.metadata.uid ?? '', generation });
    this.#d.metrics.controllers.set({}, this.#running.size);
    controller.onReconcile.add((record) => {
      for (const observer of this.onReconcile) observer(record);
    });
    for (const observer of this.onController) observer(controller);
    controller.onWriteForbidden.add((error) => {
      if (current()) this.#readiness.writes(name, error);
    });
    controller.onFlapping.add((keys) => {
      void this.#conditions.flapping(current() ? this.#informer?.store.get(name) : undefined, name, keys);
    });
    this.#log.info('starting controller', { reconcilerResource: name, generation });
    // Not awaited: a controller waiting for its CRD must not block other Reconcilers.
    void controller.start().then(
      async () => {
        if (!controller.synced || !current()) return;
        // A first reconcile may already have found the worker incompatible, or a write refused.
        if (this.#readiness.held(name)) return;
        await this.#conditions.set(raw, {
          ready: 'True',
          reason: 'Running',
          message: runningMessage(config.spec),
        });
      },
      (error: unknown) => {
        this.#log.error('controller failed to start', { reconcilerResource: name, error });
      },
    );
  }

  /**
   * A watch of `scope` was refused (403): every Reconciler that needs it goes Ready=False Forbidden
   * (readiness.ts); returns how many it holds back.
   */
  watchForbidden(scope: KindScope, error: Forbidden): number {
    return this.#readiness.watchForbidden(scope, error);
  }

  /** A watch of `scope` listed: a Reconciler refused nothing more and synced is Ready again. */
  watchListed(scope: KindScope): void {
    this.#readiness.watchListed(scope);
  }

  async #stopController(name: string, running: Running, why: string): Promise<void> {
    this.#log.info('stopping controller', { reconcilerResource: name, why });
    this.#running.delete(name);
    this.#readiness.forget(name);
    await running.controller.stop();
    this.#d.metrics.controllers.set({}, this.#running.size);
  }

  /** A Warning Event on the Reconciler (the leader's alone). */
  async #warn(obj: KObject, reason: string, message: string): Promise<void> {
    if (this.#leadership.leading)
      await this.#d.recorder.recordOrLog(obj, { type: 'Warning', reason, message }, this.#log);
  }
}
