// The leader's hooks: Reconcilers and their Secrets (cached) → one connection per worker and signing key, each sent its hook set → deliveries woken into the controllers; status.hooks written.
//
// Runs on the leader only (relay.ts starts it once this relay leads). A relay with no hook opens no
// connection, no watch and no timer: the Reconciler watch is the Manager's own (shared), a Secret is
// watched only while a hook needs it (one watch per Secret, by name, so RBAC can grant exactly those
// Secrets), and the only timer is each open connection's ping (connection.ts says why).
import { RECONCILER_KIND, ReconcilerResource, type ReconcilerSpec } from '../api/reconciler.ts';
import type { HookSpec } from '../api/hooks.ts';
import type { Clock } from '../clock.ts';
import type { Controller } from '../controller/controller.ts';
import type { KubeRequester } from '../kube/client.ts';
import type { KObject } from '../kube/object.ts';
import type { Logger } from '../observe/log.ts';
import type { InformerFactory, SharedInformer } from '../watch/informer.ts';
import type { KindScope } from '../watch/list-watch.ts';
import { askCluster } from './cluster.ts';
import { HookConnection, type OpenSocket } from './connection.ts';
import { Deliveries } from './deliveries.ts';
import { buildHookSet, type HookedReconciler, type HookSet, hookKey, hooksMessage } from './hook-set.ts';
import type { HookTarget } from './signed.ts';
import { type HookStatusEntry, HookStatusWriter } from './status.ts';

export interface HooksOptions {
  informers: InformerFactory;
  /** The label selector of the Reconcilers this relay runs (the Manager's), so their watch is shared. */
  selector?: string | undefined;
  /** The Manager's controllers, and its observers of controllers started. */
  manager: {
    readonly controllers: ReadonlyMap<string, Controller>;
    readonly onController: Set<(controller: Controller) => void>;
  };
  /** Writes status.hooks (the leader's fenced client). */
  client: KubeRequester;
  clock: Clock;
  log: Logger;
  /** Tests: the WebSocket and the cluster question, in place of the worker's. */
  openSocket?: OpenSocket;
  askCluster?: (target: HookTarget) => Promise<string>;
  pingIntervalMs?: number;
}

interface Link {
  connection: HookConnection;
  /** The hook set last sent on it, as JSON. */
  sent: string | undefined;
  /** Ids to acknowledge at the end of this tick. */
  acks: string[];
}

const SECRET = { apiVersion: 'v1', kind: 'Secret' } as const;

export class Hooks {
  #o: HooksOptions;
  #log: Logger;
  #scope: KindScope;
  #reconcilers: SharedInformer | undefined;
  /** `namespace/name` → the watch of that one Secret. */
  #secrets = new Map<string, { scope: KindScope; informer: SharedInformer; off: () => void }>();
  #links = new Map<string, Link>();
  #specs = new Map<string, HookSpec[]>();
  #deliveries: Deliveries;
  #status: HookStatusWriter;
  #off: (() => void)[] = [];
  #stopped = false;
  #stopping: Promise<void> | undefined;
  /** A rebuild is running; `#again`: another was asked for meanwhile. */
  #building: Promise<void> | undefined;
  #again = false;

  constructor(options: HooksOptions) {
    this.#o = options;
    this.#log = options.log.child({ component: 'hooks' });
    this.#scope = { ...RECONCILER_KIND, labelSelector: options.selector };
    this.#status = new HookStatusWriter({ client: options.client, log: this.#log });
    this.#deliveries = new Deliveries({
      controller: (name) => options.manager.controllers.get(name),
      hook: (reconciler, hook) => this.#specs.get(reconciler)?.find((h) => h.name === hook),
      log: this.#log,
    });
  }

  /** Deliveries received and not acknowledged yet. */
  get inFlight(): number {
    return this.#deliveries.inFlight;
  }

  /** The connections open now (one per worker endpoint and signing key with hooks). */
  get connections(): number {
    return [...this.#links.values()].filter((l) => l.connection.state === 'open').length;
  }

  start(): void {
    if (this.#stopped) return;
    const informer = this.#o.informers.acquire(this.#scope);
    this.#reconcilers = informer;
    this.#off.push(
      informer.subscribe(() => {
        this.#changed();
      }),
    );
    // A new controller brings the signing key it read, and takes the deliveries waiting for it.
    const onController = (controller: Controller): void => {
      this.#deliveries.controllerStarted(controller.config.name);
      this.#changed();
    };
    this.#o.manager.onController.add(onController);
    this.#off.push(() => this.#o.manager.onController.delete(onController));
    void informer.waitForSync().then(() => {
      this.#changed();
    });
  }

  /** Closes the connections and releases the watches; deliveries not acknowledged are sent again to the next leader. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    this.#stopped = true;
    for (const off of this.#off.splice(0)) off();
    for (const link of this.#links.values()) link.connection.stop();
    this.#links.clear();
    this.#deliveries.stop();
    await this.#building;
    for (const { scope, off } of this.#secrets.values()) {
      off();
      await this.#o.informers.release(scope);
    }
    this.#secrets.clear();
    if (this.#reconcilers) await this.#o.informers.release(this.#scope);
  }

  /** Something the hooks derive from changed: rebuild once (a rebuild running now runs again after). */
  #changed(): void {
    if (this.#stopped) return;
    if (this.#building) {
      this.#again = true;
      return;
    }
    this.#building = this.#rebuild()
      .catch((error: unknown) => {
        this.#log.error('hooks rebuild failed', { error });
      })
      .finally(() => {
        this.#building = undefined;
        if (this.#again) {
          this.#again = false;
          this.#changed();
        }
      });
  }

  async #rebuild(): Promise<void> {
    const objects = this.#reconcilers?.store.list() ?? [];
    const hooked: HookedReconciler[] = [];
    const specs = new Map<string, HookSpec[]>();
    for (const obj of objects) {
      const parsed = ReconcilerResource.safeParse(obj);
      if (!parsed.success || parsed.data.spec.triggers.hooks.length === 0) continue;
      hooked.push({ name: obj.metadata.name, spec: parsed.data.spec });
      specs.set(obj.metadata.name, parsed.data.spec.triggers.hooks);
    }
    this.#specs = specs;
    this.#watchSecrets(new Set(hooked.flatMap(({ spec }) => secretsOf(spec))));
    const set = buildHookSet(
      hooked,
      (namespace, name) =>
        this.#secrets.get(`${namespace}/${name}`)?.informer.store.get(`${namespace}/${name}`),
      (name) => {
        const config = this.#o.manager.controllers.get(name)?.config;
        return config && { key: config.signingKey, keyId: config.signingKeyId };
      },
    );
    this.#connect(set);
    const paths = new Map<string, string>();
    for (const [id, group] of set.targets) {
      const link = this.#links.get(id);
      const cluster = link?.connection.cluster;
      if (!link || cluster === undefined) continue;
      const built = await hooksMessage(cluster, group.hooks);
      for (const [key, path] of built.paths) paths.set(key, path);
      const json = JSON.stringify(built.message);
      if (json !== link.sent && !this.#stopped) {
        link.sent = json;
        link.connection.sendHooks(built.message);
        this.#log.info('hooks handed to the worker', {
          endpoint: group.target.endpoint,
          cluster,
          hooks: group.hooks.length,
        });
      }
    }
    await this.#writeStatuses(objects, specs, set, paths);
  }

  /** Opens a connection for each new endpoint and key, closes those no hook needs any more. */
  #connect(set: HookSet): void {
    for (const [id, link] of this.#links)
      if (!set.targets.has(id)) {
        link.connection.stop();
        this.#links.delete(id);
      }
    for (const [id, group] of set.targets) {
      if (this.#links.has(id) || this.#stopped) continue;
      const target = group.target;
      const ask = this.#o.askCluster ?? ((t: HookTarget) => askCluster(t, this.#o.clock.now()));
      const connection = new HookConnection({
        target,
        clock: this.#o.clock,
        log: this.#log,
        askCluster: () => ask(target),
        onCluster: () => {
          link.sent = undefined;
          this.#changed();
        },
        onDelivery: (delivery) => {
          this.#deliveries.receive(delivery, (ackId) => {
            this.#ack(link, ackId);
          });
        },
        ...(this.#o.openSocket ? { openSocket: this.#o.openSocket } : {}),
        ...(this.#o.pingIntervalMs !== undefined ? { pingIntervalMs: this.#o.pingIntervalMs } : {}),
      });
      // Its callbacks run once it has started, after `link` exists.
      const link: Link = { sent: undefined, acks: [], connection };
      this.#links.set(id, link);
      connection.start();
    }
  }

  /** Acknowledges at the end of the tick, every id of the tick in one frame. */
  #ack(link: Link, id: string): void {
    link.acks.push(id);
    if (link.acks.length > 1) return;
    queueMicrotask(() => {
      const ids = link.acks.splice(0);
      link.connection.ack(ids);
    });
  }

  /** Watches the Secrets `refs` (`namespace/name`: the hooks' and their signing Secrets), and no others. */
  #watchSecrets(refs: Set<string>): void {
    for (const [ref, { scope, off }] of this.#secrets)
      if (!refs.has(ref)) {
        off();
        this.#secrets.delete(ref);
        void this.#o.informers.release(scope);
      }
    for (const ref of refs) {
      if (this.#secrets.has(ref) || this.#stopped) continue;
      const [namespace = '', name = ''] = ref.split('/');
      const scope: KindScope = { ...SECRET, namespace, fieldSelector: `metadata.name=${name}` };
      const informer = this.#o.informers.acquire(scope);
      const off = informer.subscribe(() => {
        this.#changed();
      });
      this.#secrets.set(ref, { scope, informer, off });
      void informer.waitForSync().then(() => {
        this.#changed();
      });
    }
  }

  async #writeStatuses(
    objects: readonly KObject[],
    specs: ReadonlyMap<string, HookSpec[]>,
    set: HookSet,
    paths: ReadonlyMap<string, string>,
  ): Promise<void> {
    const problems = new Map(set.problems.map((p) => [hookKey(p.reconciler, p.hook), p.message]));
    for (const obj of objects) {
      const name = obj.metadata.name;
      const spec = ReconcilerResource.safeParse(obj).data?.spec;
      const entries: HookStatusEntry[] = (specs.get(name) ?? []).map((hook) => {
        const key = hookKey(name, hook.name);
        const path = paths.get(key);
        if (path !== undefined) return { name: hook.name, path };
        const unlisted = (spec ? secretsOf(spec, hook) : []).find(
          (ref) => this.#secrets.get(ref)?.informer.hasSynced !== true,
        );
        if (unlisted !== undefined)
          return {
            name: hook.name,
            message: `reading Secret ${unlisted} (grant the relay get, list and watch on it; relay/README.md, Hooks)`,
          };
        const problem = problems.get(key);
        if (problem !== undefined) return { name: hook.name, message: problem };
        return { name: hook.name, message: 'waiting for the worker to name its cluster' };
      });
      if (this.#stopped) return;
      await this.#status.write(obj, entries);
    }
  }
}

/** `namespace/name` of the Secrets the hooks of `spec` need (in its signing Secret's namespace), or one hook's. */
function secretsOf(spec: ReconcilerSpec, only?: HookSpec): string[] {
  const namespace = spec.signingSecretRef.namespace;
  return (only ? [only] : spec.triggers.hooks).map((h) => `${namespace}/${h.secretRef.name}`);
}
