// Watches Reconciler resources and starts, restarts or stops one Controller for each, without a relay restart.
//
// It is a controller of its own, on the same parts as the others: Reconciler deltas that change
// more than the status (its own Ready writes change only the status) enqueue the name in a
// rate-limited work queue, so a Reconciler is handled once at a time, a failure (the signing
// Secret missing) retries with backoff (1 s doubling to 1 min), and no timer of its own runs.
import * as z from 'zod/mini';
import { KEY_ID_PATTERN } from '../../src/signing.ts';
import type { EventRecorder } from '../apply/events.ts';
import type { Clock } from '../clock.ts';
import { realClock } from '../clock.ts';
import type { ControllerDeps } from '../controller/controller.ts';
import { Controller } from '../controller/controller.ts';
import type { ReconcileRecord } from '../controller/controller.ts';
import type { KubeRequester } from '../kube/client.ts';
import type { Forbidden } from '../kube/forbidden.ts';
import { ALWAYS_LEADING, type Leadership } from '../election/leadership.ts';
import type { KindScope } from '../watch/list-watch.ts';
import type { KObject } from '../kube/object.ts';
import type { Logger } from '../observe/log.ts';
import { initializeReconcilerSeries } from '../observe/metrics.ts';
import { RateLimitingQueue } from '../queue/rate-limited.ts';
import { primaryChanged } from '../controller/predicates.ts';
import type { SharedInformer } from '../watch/informer.ts';
import { scopeId } from '../watch/informer.ts';
import type { AnswerVersions } from '../dispatch/dispatcher.ts';
import type { ControllerConfig, ReconcilerSpec } from '../api/reconciler.ts';
import { RECONCILER_KIND, ReconcilerResource } from '../api/reconciler.ts';
import { INCOMPATIBLE_WORKER, WorkerCompatibility } from './worker-compatibility.ts';

/** The signing Secret could not be read: create it, or grant the relay `get` on it. */
export class SigningSecretUnavailable extends Error {
  override readonly name = 'SigningSecretUnavailable';
}

/** The signing Secret's optional entry naming the key's id at the worker (src/signing.ts). */
const SIGNING_KEY_ID_ENTRY = 'keyId';
const SecretData = z.looseObject({ data: z.optional(z.record(z.string(), z.string())) });
const ReconcilerStatus = z.looseObject({
  observedGeneration: z.optional(z.number()),
  conditions: z.optional(
    z.array(
      z.looseObject({
        type: z.string(),
        status: z.string(),
        reason: z.optional(z.string()),
        message: z.optional(z.string()),
        lastTransitionTime: z.optional(z.string()),
      }),
    ),
  ),
});

interface Running {
  controller: Controller;
  uid: string;
  generation: number;
}

/** The key of a controller's refused writes among its refused watches' scope ids. */
const WRITES = 'writes';
/** The `name` of the Manager's own work queue in the workqueue_* metrics. */
export const MANAGER_QUEUE = 'manager/Reconciler';

function runningMessage(spec: ReconcilerSpec): string {
  return `reconciling ${spec.primary.kind} with ${spec.reconciler} at ${spec.endpoint}`;
}

/** Whether a controller of `spec` watches `scope`: one of its kinds, in one of its namespaces. */
function covers(spec: ReconcilerSpec, scope: KindScope): boolean {
  const kinds = [spec.primary, ...spec.owns, ...spec.reads];
  if (!kinds.some((k) => k.apiVersion === scope.apiVersion && k.kind === scope.kind)) return false;
  return (
    spec.namespaces.length === 0 || scope.namespace === undefined || spec.namespaces.includes(scope.namespace)
  );
}

export class Manager {
  #d: ControllerDeps & { client: KubeRequester; recorder: EventRecorder };
  #log: Logger;
  #clock: Clock;
  #informer: SharedInformer | undefined;
  #running = new Map<string, Running>();
  /** The Ready condition last set per Reconciler, and its flapping primaries (for the Flapping condition). */
  #ready = new Map<string, { ready: 'True' | 'False'; reason: string; message: string }>();
  #flapping = new Map<string, string[]>();
  /** Per Reconciler, the watches RBAC refuses it (by scope id), until they list again. */
  #forbidden = new Map<string, Map<string, Forbidden>>();
  /** Per Reconciler, whether its worker's last answer said relay and worker do not match. */
  #compatibility = new WorkerCompatibility();
  #onAnswer = (answer: AnswerVersions): void => {
    this.#workerAnswered(answer);
  };
  #queue: RateLimitingQueue;
  #worker: Promise<void> | undefined;
  /** Called for each controller started (for observers such as `npm start`). */
  readonly onController = new Set<(c: Controller) => void>();
  /**
   * Observers of every finished reconcile of every controller, the ones started later included
   * (npm start's live page, recorders). Called synchronously: copy what you keep, and keep it short.
   */
  readonly onReconcile = new Set<(r: ReconcileRecord) => void>();
  #scope: KindScope;
  #leadership: Leadership;

  /** `selector`: only Reconciler resources matching this label selector are run (sharding, tests). */
  constructor(
    deps: ControllerDeps & { client: KubeRequester; recorder: EventRecorder; selector?: string | undefined },
  ) {
    this.#d = deps;
    this.#scope = { ...RECONCILER_KIND, labelSelector: deps.selector };
    this.#log = deps.log.child({ component: 'manager' });
    this.#clock = deps.clock ?? realClock;
    this.#leadership = deps.leadership ?? ALWAYS_LEADING;
    this.#queue = new RateLimitingQueue({
      clock: this.#clock,
      backoff: { baseDelayMs: 1000, maxDelayMs: 60_000 },
      // Not a Reconciler's name (those are DNS names, no '/'), so its workqueue_* series stand apart.
      name: MANAGER_QUEUE,
      metricsProvider: deps.metrics.workqueue,
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
    this.#worker = this.#work();
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

  /** One Reconciler at a time, each run reading the current object (level-triggered). */
  async #work(): Promise<void> {
    for (;;) {
      const name = await this.#queue.get();
      if (name === undefined) return;
      try {
        if (await this.#reconcile(name)) this.#queue.forget(name);
        else this.#queue.addRateLimited(name);
      } catch (error) {
        const retryInMs = this.#queue.addRateLimited(name);
        this.#log.error('reconciler sync failed', { reconcilerResource: name, error, retryInMs });
      } finally {
        this.#queue.done(name);
      }
    }
  }

  /** Brings the controller of `name` in line with its Reconciler; false: retry later with backoff. */
  async #reconcile(name: string): Promise<boolean> {
    const raw = this.#informer?.store.get(name);
    const running = this.#running.get(name);
    if (!raw) {
      if (running) await this.#stopController(name, running, 'Reconciler deleted');
      const last = this.#ready.get(name);
      if (last) this.#d.metrics.reconcilerReady.remove({ reconciler: name, reason: last.reason });
      this.#ready.delete(name);
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
      await this.#status(raw, 'False', 'InvalidSpec', message);
      return true;
    }
    let signing: { key: string; keyId?: string };
    try {
      signing = await this.#readSigningKey(parsed.data.spec.signingSecretRef);
    } catch (error) {
      this.#log.error('signing secret unavailable; retrying with backoff', {
        reconcilerResource: name,
        error,
      });
      const message = error instanceof Error ? error.message : String(error);
      await this.#warn(raw, 'SigningSecretUnavailable', message);
      await this.#status(raw, 'False', 'SigningSecretUnavailable', message);
      return false;
    }
    if (running) await this.#stopController(name, running, 'Reconciler changed');
    const config: ControllerConfig = {
      name,
      spec: parsed.data.spec,
      signingKey: signing.key,
      ...(signing.keyId !== undefined && { signingKeyId: signing.keyId }),
    };
    const controller = new Controller(config, this.#d);
    initializeReconcilerSeries(this.#d.metrics, name);
    this.#running.set(name, { controller, uid: raw.metadata.uid ?? '', generation });
    this.#d.metrics.controllers.set({}, this.#running.size);
    controller.onReconcile.add((record) => {
      for (const observer of this.onReconcile) observer(record);
    });
    for (const observer of this.onController) observer(controller);
    controller.onWriteForbidden.add((error) => {
      if (this.#running.get(name)?.controller !== controller) return;
      if (error) this.#refuse(name, WRITES, error);
      else this.#grant(name, WRITES);
    });
    controller.onFlapping.add((keys) => {
      this.#flapping.set(name, keys);
      const current = this.#informer?.store.get(name);
      const ready = this.#ready.get(name);
      if (current && ready && this.#running.get(name)?.controller === controller)
        void this.#status(current, ready.ready, ready.reason, ready.message);
    });
    this.#log.info('starting controller', { reconcilerResource: name, generation });
    // Not awaited: a controller waiting for its CRD must not block other Reconcilers.
    void controller.start().then(
      async () => {
        if (!controller.synced || this.#running.get(name)?.controller !== controller) return;
        // A first reconcile may already have found the worker incompatible, or a write refused.
        if (this.#compatibility.message(name) !== undefined || this.#forbidden.has(name)) return;
        await this.#status(raw, 'True', 'Running', runningMessage(parsed.data.spec));
      },
      (error: unknown) => {
        this.#log.error('controller failed to start', { reconcilerResource: name, error });
      },
    );
    return true;
  }

  /**
   * A watch of `scope` was refused (403): every Reconciler that needs it goes Ready=False, reason
   * Forbidden, with the message naming verb, resource and namespace. The watch keeps retrying with
   * backoff; `watchListed` sets Ready=True again once it lists. Returns how many Reconciler it holds back.
   */
  watchForbidden(scope: KindScope, error: Forbidden): number {
    let held = 0;
    for (const [name, running] of this.#running) {
      if (!covers(running.controller.config.spec, scope)) continue;
      held++;
      this.#refuse(name, scopeId(scope), error);
    }
    return held;
  }

  /** A watch of `scope` listed: a Reconciler refused nothing more and synced is Ready again. */
  watchListed(scope: KindScope): void {
    for (const name of [...this.#forbidden.keys()]) this.#grant(name, scopeId(scope));
  }

  /** Records that `name` is refused `id` (a watch's scope, or its writes): Ready=False Forbidden. */
  #refuse(name: string, id: string, error: Forbidden): void {
    const refused = this.#forbidden.get(name) ?? new Map<string, Forbidden>();
    refused.set(id, error);
    this.#forbidden.set(name, refused);
    this.#log.error('forbidden: missing RBAC grant', {
      reconcilerResource: name,
      verb: error.verb,
      apiGroup: error.apiGroup,
      resource: error.resource,
      namespace: error.namespace,
      error: error.message,
    });
    const current = this.#informer?.store.get(name);
    if (current) void this.#status(current, 'False', 'Forbidden', error.message);
  }

  /**
   * A worker answered: each Reconciler calling it under that name goes Ready=False IncompatibleWorker
   * when relay and worker do not match (the message names both versions and what to upgrade), and
   * back to Ready once an answer matches. Reconciles meanwhile fail and retry with backoff.
   */
  #workerAnswered(answer: AnswerVersions): void {
    const targets = [...this.#running].map(
      ([name, r]): [string, { endpoint: string; reconciler: string }] => [
        name,
        { endpoint: r.controller.config.spec.endpoint, reconciler: r.controller.config.spec.reconciler },
      ],
    );
    for (const change of this.#compatibility.record(answer, targets)) {
      const current = this.#informer?.store.get(change.name);
      if (change.incompatible) {
        this.#log.error('incompatible worker', { reconcilerResource: change.name, error: change.message });
        if (current) void this.#status(current, 'False', INCOMPATIBLE_WORKER, change.message);
      } else {
        this.#log.info('worker compatible again', { reconcilerResource: change.name });
        this.#readyAgain(change.name);
      }
    }
  }

  /** `name` is no longer refused `id`; once refused nothing and synced, it is Ready again. */
  #grant(name: string, id: string): void {
    const refused = this.#forbidden.get(name);
    if (!refused?.delete(id) || refused.size > 0) return;
    this.#forbidden.delete(name);
    this.#log.info('granted again', { reconcilerResource: name });
    this.#readyAgain(name);
  }

  /** Ready=True Running, unless something still holds `name` back (RBAC, an incompatible worker) or it has not synced. */
  #readyAgain(name: string): void {
    if (this.#forbidden.has(name) || this.#compatibility.message(name) !== undefined) return;
    const running = this.#running.get(name);
    const current = this.#informer?.store.get(name);
    if (!running?.controller.synced || !current) return;
    this.#log.info('Ready', { reconcilerResource: name });
    void this.#status(current, 'True', 'Running', runningMessage(running.controller.config.spec));
  }

  async #stopController(name: string, running: Running, why: string): Promise<void> {
    this.#log.info('stopping controller', { reconcilerResource: name, why });
    this.#running.delete(name);
    this.#forbidden.delete(name);
    this.#compatibility.forget(name);
    await running.controller.stop();
    this.#d.metrics.controllers.set({}, this.#running.size);
  }

  /** The shared secret under `ref.key`, and the key id under the Secret's optional `keyId` entry. */
  async #readSigningKey(ref: {
    namespace: string;
    name: string;
    key: string;
  }): Promise<{ key: string; keyId?: string }> {
    const path = `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/secrets/${encodeURIComponent(ref.name)}`;
    let raw: unknown;
    try {
      raw = await this.#d.client.request('GET', path);
    } catch (error) {
      throw new SigningSecretUnavailable(`reading Secret ${ref.namespace}/${ref.name}: ${String(error)}`, {
        cause: error,
      });
    }
    const data = SecretData.parse(raw).data;
    const value = data?.[ref.key];
    if (!value)
      throw new SigningSecretUnavailable(`Secret ${ref.namespace}/${ref.name} has no key ${ref.key}`);
    const key = Buffer.from(value, 'base64').toString('utf8');
    if (key.length === 0)
      throw new SigningSecretUnavailable(`Secret ${ref.namespace}/${ref.name} key ${ref.key} is empty`);
    const keyIdValue = data[SIGNING_KEY_ID_ENTRY];
    if (keyIdValue === undefined) return { key };
    const keyId = Buffer.from(keyIdValue, 'base64').toString('utf8');
    if (!KEY_ID_PATTERN.test(keyId)) {
      throw new SigningSecretUnavailable(
        `Secret ${ref.namespace}/${ref.name} entry ${SIGNING_KEY_ID_ENTRY} is not a key id (${String(KEY_ID_PATTERN)}); set it to the id the worker knows this key by`,
      );
    }
    return { key, keyId };
  }

  /**
   * Sets the Reconciler's conditions (server-side apply to its status), unless they already say so:
   * `Ready` as given, and `Flapping` from its controller (primaries whose answers never settle).
   */
  async #status(obj: KObject, ready: 'True' | 'False', reason: string, message: string): Promise<void> {
    const name = obj.metadata.name;
    const before = this.#ready.get(name);
    if (before && before.reason !== reason)
      this.#d.metrics.reconcilerReady.remove({ reconciler: name, reason: before.reason });
    this.#d.metrics.reconcilerReady.set({ reconciler: name, reason }, ready === 'True' ? 1 : 0);
    this.#ready.set(name, { ready, reason, message });
    // A follower writes nothing; the leader sets it (every Reconciler is looked at again on acquiring).
    if (!this.#leadership.leading) return;
    const previous = ReconcilerStatus.safeParse(obj.status);
    const oldConditions = previous.success ? (previous.data.conditions ?? []) : [];
    const generation = obj.metadata.generation;
    const flapping = this.#flapping.get(name) ?? [];
    const wanted = [
      { type: 'Ready', status: ready, reason, message },
      flapping.length > 0
        ? {
            type: 'Flapping',
            status: 'True',
            reason: 'PrimariesFlapping',
            message: `${String(flapping.length)} primaries flapping, slowed down: ${flapping.slice(0, 5).join(', ')}${flapping.length > 5 ? ', …' : ''}`,
          }
        : { type: 'Flapping', status: 'False', reason: 'Stable', message: 'no primary is flapping' },
    ];
    const same = (w: (typeof wanted)[number]) => {
      const old = oldConditions.find((c) => c.type === w.type);
      return old?.status === w.status && old.reason === w.reason && old.message === w.message;
    };
    if (wanted.every(same) && previous.success && previous.data.observedGeneration === generation) return;
    const now = new Date(this.#clock.now()).toISOString().replace(/\.\d+Z$/, 'Z');
    const conditions = wanted.map((w) => {
      const old = oldConditions.find((c) => c.type === w.type);
      return {
        ...w,
        lastTransitionTime: old?.status === w.status && old.lastTransitionTime ? old.lastTransitionTime : now,
      };
    });
    try {
      await this.#d.client.request(
        'PATCH',
        `/apis/${RECONCILER_KIND.apiVersion}/reconcilers/${encodeURIComponent(obj.metadata.name)}/status`,
        {
          query: { fieldManager: 'zeroloop/relay', force: true },
          body: {
            apiVersion: RECONCILER_KIND.apiVersion,
            kind: RECONCILER_KIND.kind,
            metadata: { name: obj.metadata.name },
            status: {
              ...(generation !== undefined ? { observedGeneration: generation } : {}),
              conditions,
            },
          },
          contentType: 'application/apply-patch+yaml',
        },
      );
    } catch (error) {
      this.#log.warn('could not write the Reconciler status', {
        reconcilerResource: obj.metadata.name,
        error,
      });
    }
  }

  async #warn(obj: KObject, reason: string, message: string): Promise<void> {
    if (!this.#leadership.leading) return;
    try {
      await this.#d.recorder.record(obj, { type: 'Warning', reason, message });
    } catch (error) {
      this.#log.warn('could not record event', { reason, error });
    }
  }
}
