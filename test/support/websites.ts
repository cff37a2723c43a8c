// Website bursts for fault tests: create many at once, and tell which have converged (children present, status written).
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestKube } from './kube.ts';
import { CONFIGMAP, DEPLOYMENT, SERVICE, WEBSITE } from './relay-env.ts';

/** The Website kinds a converged Website owns: a Deployment, a Service and (with `html`) a ConfigMap. */
export const WEBSITE_CHILDREN = [DEPLOYMENT, SERVICE, CONFIGMAP] as const;

/** Names `<prefix>-000` … of a burst of `count`. */
export function burstNames(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);
}

/** Creates one Website per name, all requests in flight at once; resolves when the apiserver has them all. */
export async function createWebsites(kube: TestKube, namespace: string, names: string[]): Promise<void> {
  await Promise.all(
    names.map((name) =>
      kube.create({ ...WEBSITE, metadata: { name, namespace }, spec: { html: `<h1>${name}</h1>` } }),
    ),
  );
}

/**
 * The Websites of `namespace` that have converged: a Deployment, Service and ConfigMap of their own
 * exist, and their status is written for their current generation (the website reconciler's
 * `observedGeneration`, with a `Ready` condition).
 */
export async function convergedWebsites(kube: TestKube, namespace: string): Promise<Set<string>> {
  const [sites, ...children] = await Promise.all([
    kube.list(WEBSITE.apiVersion, WEBSITE.kind, namespace),
    ...WEBSITE_CHILDREN.map((k) => kube.list(k.apiVersion, k.kind, namespace)),
  ]);
  const present = children.map((list) => new Set(list.map((o) => o.metadata.name)));
  const [deployments, services, configMaps] = present;
  const converged = new Set<string>();
  for (const site of sites) {
    const { name, generation } = site.metadata;
    const status = site.status as
      { observedGeneration?: number; conditions?: { type: string }[] } | undefined;
    if (
      status?.observedGeneration === generation &&
      status?.conditions?.some((c) => c.type === 'Ready') === true &&
      deployments?.has(name) === true &&
      services?.has(name) === true &&
      configMaps?.has(`${name}-html`) === true
    )
      converged.add(name);
  }
  return converged;
}

/**
 * Polls until every one of `names` has converged, or throws after `timeoutMs` naming the laggards.
 * Resolves with the time (epoch ms) of the poll that first saw them all converged.
 */
export async function waitConverged(
  kube: TestKube,
  namespace: string,
  names: string[],
  timeoutMs: number,
  intervalMs = 250,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const converged = await convergedWebsites(kube, namespace);
    const missing = names.filter((n) => !converged.has(n));
    if (missing.length === 0) return Date.now();
    if (Date.now() > deadline)
      throw new Error(
        `${missing.length}/${names.length} Websites not converged after ${timeoutMs} ms: ${missing.slice(0, 10).join(', ')}`,
      );
    await sleep(intervalMs);
  }
}

/** Waits until `read` (a counter) stops moving for `quietMs`, and returns its value. */
export async function settledCount(read: () => Promise<number>, quietMs = 2000): Promise<number> {
  let last = await read();
  for (;;) {
    await sleep(quietMs);
    const now = await read();
    if (now === last) return now;
    last = now;
  }
}
