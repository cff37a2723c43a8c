// Assembles a relay (client, informers, dispatcher, applier, manager, metrics server) and stops it gracefully.
import { Applier } from './apply/applier.ts';
import { EventRecorder } from './apply/events.ts';
import type { Clock } from './clock.ts';
import { Manager } from './config/manager.ts';
import { Dispatcher } from './dispatch/dispatcher.ts';
import { KubeClient } from './kube/client.ts';
import { Discovery } from './kube/discovery.ts';
import { ApiListerWatcher } from './kube/list-watch.ts';
import type { RestConfig } from './kube/rest-config.ts';
import type { Logger } from './observe/log.ts';
import { createLogger } from './observe/log.ts';
import type { RelayMetrics } from './observe/metrics.ts';
import { relayMetrics } from './observe/metrics.ts';
import type { ObserveServer } from './observe/server.ts';
import { startObserveServer } from './observe/server.ts';
import type { BackoffOptions } from './queue/rate-limited.ts';
import { InformerFactory, scopeId } from './watch/informer.ts';

export interface RelayOptions {
  /** How to reach the apiserver: `loadRestConfig(process.env)` or `loadKubeconfigFile(path)` (kube/rest-config.ts). */
  restConfig: RestConfig;
  /** Port of /metrics, /healthz, /readyz; 0 picks a free one; undefined serves nothing. */
  metricsPort?: number;
  metricsHost?: string;
  log?: Logger;
  clock?: Clock;
  backoff?: BackoffOptions;
  /** Server-side timeout of each watch request, in seconds (randomised 240–290 by default). */
  watchTimeoutSeconds?: number;
  /** Run only the Reconciler resources matching this label selector. */
  reconcilerSelector?: string;
}

export interface Relay {
  manager: Manager;
  metrics: RelayMetrics;
  informers: InformerFactory;
  /** Base URL of the observe server, when one runs. */
  url: string | undefined;
  /** Graceful stop: no new work, in-flight reconciles finish within `deadlineMs`, watches closed. */
  stop(deadlineMs?: number): Promise<void>;
}

export async function startRelay(options: RelayOptions): Promise<Relay> {
  const log = options.log ?? createLogger();
  const metrics = relayMetrics();
  const client = new KubeClient(options.restConfig);
  const discovery = new Discovery(client);
  const informers = new InformerFactory({
    listerWatcherFor: (scope) =>
      new ApiListerWatcher({
        client,
        discovery,
        scope,
        ...(options.watchTimeoutSeconds !== undefined
          ? { watchTimeoutSeconds: options.watchTimeoutSeconds }
          : {}),
      }),
    ...(options.clock ? { clock: options.clock } : {}),
    hooks: {
      onListed: (scope, relist) => {
        if (relist) metrics.relists.inc({ kind: scopeId(scope) });
      },
      onRestart: (scope, reason) => {
        metrics.watchRestarts.inc({ kind: scopeId(scope), reason });
      },
      onError: (scope, error) => {
        log.warn('watch failed; backing off', { kind: scopeId(scope), error });
      },
    },
  });
  const recorder = new EventRecorder({ client, ...(options.clock ? { clock: options.clock } : {}) });
  const manager = new Manager({
    client,
    discovery,
    informers,
    dispatcher: new Dispatcher(options.clock ? { clock: options.clock } : {}),
    applier: new Applier({ client }),
    recorder,
    metrics,
    log,
    selector: options.reconcilerSelector,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.backoff ? { backoff: options.backoff } : {}),
  });
  let server: ObserveServer | undefined;
  if (options.metricsPort !== undefined) {
    server = await startObserveServer({
      port: options.metricsPort,
      ...(options.metricsHost ? { host: options.metricsHost } : {}),
      metrics: () => {
        metrics.watches.set({}, informers.active().size);
        const memory = process.memoryUsage();
        metrics.rss.set({}, memory.rss);
        metrics.heapUsed.set({}, memory.heapUsed);
        metrics.heapTotal.set({}, memory.heapTotal);
        return metrics.registry.render();
      },
      ready: () => manager.ready,
    });
  }
  manager.start();
  log.info('relay started', { metrics: server ? `${server.url}/metrics` : undefined });
  return {
    manager,
    metrics,
    informers,
    url: server?.url,
    stop: async (deadlineMs = 10_000) => {
      await manager.stop(deadlineMs);
      await informers.stopAll();
      await client.close();
      await server?.close();
      log.info('relay stopped');
    },
  };
}
