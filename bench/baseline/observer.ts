// Watches a namespace's Websites, Deployments and ConfigMaps as any client would, and records when each Website converged.
import { Discovery } from '../../relay/kube/discovery.ts';
import { ApiListerWatcher } from '../../relay/watch/list-watch.ts';
import type { KObject } from '../../relay/kube/object.ts';
import { InformerFactory } from '../../relay/watch/informer.ts';
import type { TestKube } from '../../test/support/kube.ts';
import { CONFIGMAP, DEPLOYMENT, WEBSITE } from '../../test/support/relay-env.ts';
import { deploymentAvailable, readyFromDeployment } from './ready.ts';

/**
 * A Website has converged when its ConfigMap and Deployment exist and its status carries the Ready
 * condition (the benchmark's Websites have html and no Service). On a plane with workloads it is also
 * timed when its Deployment is available and when its status first says Ready from that Deployment
 * (ready.ts). Times are performance.now().
 */
export class ConvergenceObserver {
  /** Website name → when its ConfigMap (`<name>-html`) was first seen. */
  readonly configMapSeen = new Map<string, number>();
  readonly deploymentSeen = new Map<string, number>();
  /** Website name → when a status with conditions was first seen. */
  readonly statusSeen = new Map<string, number>();
  /** Website name → when its Deployment was first seen available (the Deployment controller's status). */
  readonly deploymentAvailableSeen = new Map<string, number>();
  /** Website name → when its status first said Ready from its Deployment (ReplicasReady, current). */
  readonly readySeen = new Map<string, number>();
  /** Website name → the reason of its Ready condition, as last seen. */
  readonly readyReason = new Map<string, string>();
  readonly #waiters = new Map<string, () => void>();
  readonly #informers: InformerFactory;

  private constructor(informers: InformerFactory) {
    this.#informers = informers;
  }

  /** Watches `namespace`, or every namespace when undefined (then Website names must differ across them). */
  static async start(kube: TestKube, namespace: string | undefined): Promise<ConvergenceObserver> {
    const informers = new InformerFactory({
      listerWatcherFor: (scope) =>
        new ApiListerWatcher({ client: kube.client, discovery: new Discovery(kube.client), scope }),
    });
    const observer = new ConvergenceObserver(informers);
    const watch = async (kind: { apiVersion: string; kind: string }, on: (obj: KObject) => void) => {
      const informer = informers.acquire({ ...kind, namespace });
      informer.subscribe((delta) => {
        if (delta.type !== 'deleted') on(delta.object);
      });
      await informer.waitForSync();
    };
    await watch(CONFIGMAP, (obj) => {
      const name = obj.metadata.name;
      if (!name.endsWith('-html') || observer.configMapSeen.has(name.slice(0, -5))) return;
      observer.configMapSeen.set(name.slice(0, -5), performance.now());
      observer.#waiters.get(name.slice(0, -5))?.();
    });
    await watch(DEPLOYMENT, (obj) => {
      const name = obj.metadata.name;
      if (!observer.deploymentSeen.has(name)) observer.deploymentSeen.set(name, performance.now());
      if (!observer.deploymentAvailableSeen.has(name) && deploymentAvailable(obj))
        observer.deploymentAvailableSeen.set(name, performance.now());
    });
    await watch(WEBSITE, (obj) => {
      const conditions = (obj.status as { conditions?: { type?: string; reason?: string }[] } | undefined)
        ?.conditions;
      if (!Array.isArray(conditions) || conditions.length === 0) return;
      if (!observer.statusSeen.has(obj.metadata.name))
        observer.statusSeen.set(obj.metadata.name, performance.now());
      const reason = conditions.find((c) => c.type === 'Ready')?.reason;
      if (reason !== undefined) observer.readyReason.set(obj.metadata.name, reason);
      if (!observer.readySeen.has(obj.metadata.name) && readyFromDeployment(obj))
        observer.readySeen.set(obj.metadata.name, performance.now());
    });
    return observer;
  }

  /** Resolves when the ConfigMap of Website `name` is seen (now, if it already was). */
  configMapOf(name: string): Promise<void> {
    if (this.configMapSeen.has(name)) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.set(name, resolve));
  }

  /** When Website `name` converged, or undefined if it has not yet. */
  convergedAt(name: string): number | undefined {
    const times = [this.configMapSeen.get(name), this.deploymentSeen.get(name), this.statusSeen.get(name)];
    return times.every((t) => t !== undefined) ? Math.max(...times) : undefined;
  }

  /** How many of `names` have each Ready reason now. */
  reasons(names: readonly string[]): Record<string, number> {
    const out: Record<string, number> = {};
    for (const n of names) {
      const reason = this.readyReason.get(n) ?? 'none';
      out[reason] = (out[reason] ?? 0) + 1;
    }
    return out;
  }

  count(names: readonly string[]): number {
    return names.filter((n) => this.convergedAt(n) !== undefined).length;
  }

  /** How many of `names` have an entry in `seen` (readySeen, deploymentAvailableSeen). */
  countSeen(seen: ReadonlyMap<string, number>, names: readonly string[]): number {
    return names.filter((n) => seen.has(n)).length;
  }

  stop(): Promise<void> {
    return this.#informers.stopAll();
  }
}
