// Assembles a relay (client, informers, dispatcher, applier, manager, metrics server) and stops it gracefully.
import { Applier } from './apply/applier.ts';
import { EventRecorder } from './apply/events.ts';
import { hasOwner } from './apply/ownership.ts';
import { type Clock, realClock } from './clock.ts';
import { Manager } from './config/manager.ts';
import type { ReconcileRecord } from './controller/result.ts';
import { Dispatcher } from './dispatch/dispatcher.ts';
import type { ElectionState, LeaderElectionOptions } from './election/elector.ts';
import { LeaderElector } from './election/elector.ts';
import { ALWAYS_LEADING, leadershipOf } from './election/leadership.ts';
import { Hooks } from './hooks/hooks.ts';
import { KubeClient } from './kube/client.ts';
import { Discovery } from './kube/discovery.ts';
import { findForbidden } from './kube/forbidden.ts';
import { ApiHealth, codeClass } from './kube/health.ts';
import { ApiListerWatcher } from './watch/list-watch.ts';
import type { RestConfig } from './kube/rest-config.ts';
import type { Logger } from './observe/log.ts';
import { createLogger } from './observe/log.ts';
import type { RelayMetrics } from './observe/metrics.ts';
import { initializeKindSeries, relayMetrics } from './observe/metrics.ts';
import type { ObserveServer } from './observe/server.ts';
import { attachRecorder, type Recorder, type RecorderOptions } from './record/recorder.ts';
import { startObserveServer } from './observe/server.ts';
import type { BackoffOptions } from './queue/rate-limited.ts';
import { InformerFactory, scopeId } from './watch/informer.ts';
import type { RestartReason } from './watch/watcher.ts';

/** The messages of the relay's log lines that tools and tests match. */
export const MSG_RELAY_STARTED = 'relay started';
export const MSG_RELAY_STOPPED = 'relay stopped';
export const MSG_WATCH_STALLED = 'watch stalled (no event or bookmark); resuming on a fresh connection';

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
  /** A watch silent (no event, no bookmark) this long is aborted and resumed; default 90 000 (watch/watcher.ts). */
  watchStallMs?: number;
  /** /readyz answers 503 once apiserver calls and watches have failed for longer than this; default 30 000. */
  apiserverUnreachableAfterMs?: number;
  /** Record reconciles (of annotated primaries, or all) to a local directory (record/recorder.ts). */
  record?: Omit<RecorderOptions, 'log'>;
  /** Elect a leader among replicas on a Lease (relay/README.md, "High availability"); unset: this relay leads alone. */
  leaderElection?: LeaderElectionOptions;
  /** The User-Agent of every apiserver request (the apiserver's audit log records it). */
  userAgent?: string;
  /** Observes every reconcile (as `Manager.onReconcile`), attached before the first one starts. */
  onReconcile?: (record: ReconcileRecord) => void;
}

export interface Relay {
  manager: Manager;
  metrics: RelayMetrics;
  informers: InformerFactory;
  /** Whether the apiserver answers now (feeds /readyz). */
  apiserver: ApiHealth;
  /** The reconcile recorder, when `record` was given. */
  recordings: Recorder | undefined;
  /** The leader elector, when election is on. */
  elector: LeaderElector | undefined;
  /** Outside events (hooks/): started once this relay leads. */
  hooks: Hooks;
  /** Resolves (with the reason) if this relay led and could not renew its Lease: it has stopped reconciling; exit. */
  lost: Promise<string>;
  /** Base URL of the observe server, when one runs. */
  url: string | undefined;
  /** Graceful stop: no new work, in-flight reconciles finish within `deadlineMs`, watches closed. */
  stop(deadlineMs?: number): Promise<void>;
}

/** Every reason a watch restarts for, each a series from a kind's first list (a Record, so a new reason is a compile error). */
const RESTART_REASONS = Object.keys({
  closed: true,
  gone: true,
  error: true,
  stalled: true,
} satisfies Record<RestartReason, true>);

export async function startRelay(options: RelayOptions): Promise<Relay> {
  const log = options.log ?? createLogger();
  const metrics = relayMetrics();
  const apiserver = new ApiHealth({
    ...(options.apiserverUnreachableAfterMs !== undefined
      ? { unreachableAfterMs: options.apiserverUnreachableAfterMs }
      : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const election = options.leaderElection;
  // A client of its own: the relay's other writes go through the elector's fence.
  const electionClient = election
    ? new KubeClient(options.restConfig, {
        ...(options.userAgent !== undefined ? { userAgent: options.userAgent } : {}),
      })
    : undefined;
  const elector =
    election && electionClient
      ? new LeaderElector({
          ...election,
          client: electionClient,
          log,
          ...(options.clock ? { clock: options.clock } : {}),
          onTransition: (state: ElectionState) => {
            metrics.leader.set({}, state.state === 'leading' ? 1 : 0);
            if (state.state === 'leading' || state.state === 'lost')
              metrics.leaderTransitions.inc({ to: state.state });
          },
        })
      : undefined;
  metrics.leaderTransitions.inc({ to: 'leading' }, 0);
  metrics.leaderTransitions.inc({ to: 'lost' }, 0);
  if (elector) metrics.leader.set({}, 0);
  else metrics.leader.set({}, 1);
  const client = new KubeClient(options.restConfig, {
    ...(options.userAgent !== undefined ? { userAgent: options.userAgent } : {}),
    hooks: {
      onCall: (verb, status) => {
        apiserver.record(verb, status);
        if (status === 0 || status >= 400) metrics.apiserverErrors.inc({ verb, code: codeClass(status) });
      },
      onWatchActivity: () => {
        apiserver.succeeded();
      },
      onRenew: (reason) => {
        metrics.apiserverReconnects.inc();
        log.warn('apiserver connection replaced after a failure', { reason });
      },
    },
  });
  // Whatever writes for the relay (applier, finalizer, Events, Reconciler status) writes only while it leads.
  const fenced = elector?.fence(client);
  const writer = fenced ?? client;
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
    stallMs: options.watchStallMs,
    isOwned: hasOwner,
    hooks: {
      onListed: (scope, relist) => {
        initializeKindSeries(metrics, scopeId(scope), RESTART_REASONS);
        if (relist) metrics.relists.inc({ kind: scopeId(scope) });
        manager.watchListed(scope);
      },
      onRestart: (scope, reason) => {
        metrics.watchRestarts.inc({ kind: scopeId(scope), reason });
      },
      onError: (scope, error) => {
        const forbidden = findForbidden(error);
        // A refusal is logged by the manager, per Reconciler it holds back (verb, resource, namespace).
        if (forbidden && manager.watchForbidden(scope, forbidden) > 0) return;
        log.warn('watch failed; backing off', { kind: scopeId(scope), error });
      },
      onStall: (scope, silentMs) => {
        metrics.watchStalls.inc({ kind: scopeId(scope) });
        log.warn(MSG_WATCH_STALLED, {
          kind: scopeId(scope),
          silentMs,
        });
      },
    },
  });
  const recorder = new EventRecorder({ client: writer, ...(options.clock ? { clock: options.clock } : {}) });
  const manager = new Manager({
    client: writer,
    discovery,
    informers,
    dispatcher: new Dispatcher(options.clock ? { clock: options.clock } : {}),
    applier: new Applier({ client: writer }),
    recorder,
    metrics,
    log,
    selector: options.reconcilerSelector,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.backoff ? { backoff: options.backoff } : {}),
    leadership: elector ? leadershipOf(elector) : ALWAYS_LEADING,
  });
  let server: ObserveServer | undefined;
  if (options.metricsPort !== undefined) {
    server = await startObserveServer({
      port: options.metricsPort,
      ...(options.metricsHost ? { host: options.metricsHost } : {}),
      metrics: () => {
        metrics.watches.set({}, informers.active().size);
        metrics.apiserverReachable.set({}, apiserver.now().reachable ? 1 : 0);
        return metrics.registry.render();
      },
      ready: () => {
        if (!manager.ready) return { ready: false, reason: 'caches not synced yet' };
        const now = apiserver.now();
        // A follower is ready too (warm caches, able to take over); the body says who leads.
        if (now.reachable) return { ready: true, reason: elector ? leaderSummary(elector) : undefined };
        return {
          ready: false,
          reason: `apiserver calls and watches failing for ${String(now.failingForMs)} ms (last: ${now.lastFailure ?? '?'})`,
        };
      },
    });
  }
  // Before the manager starts, so the first controllers' reconciles are recorded too.
  const reconcileRecorder = options.record ? attachRecorder(manager, { ...options.record, log }) : undefined;
  if (options.onReconcile) manager.onReconcile.add(options.onReconcile);
  manager.start();
  // Only the leader connects to the worker for hooks: deliveries wake reconciles, which only it runs.
  const hooks = new Hooks({
    informers,
    selector: options.reconcilerSelector,
    manager,
    client: writer,
    clock: options.clock ?? realClock,
    log,
  });
  void (elector ? leadershipOf(elector) : ALWAYS_LEADING).acquired.then(() => {
    hooks.start();
  });
  elector?.run();
  // A leader that could not renew stops reconciling at once (its writes are already fenced).
  const lost = elector ? elector.lost : new Promise<string>(() => undefined);
  let managerStopped: Promise<void> | undefined;
  const stopManager = (deadlineMs: number) => (managerStopped ??= manager.stop(deadlineMs));
  void lost.then(() => Promise.all([hooks.stop(), stopManager(0)]));
  log.info(MSG_RELAY_STARTED, {
    metrics: server ? `${server.url}/metrics` : undefined,
    ...(elector ? { lease: elector.lease, identity: elector.identity } : {}),
  });
  return {
    manager,
    metrics,
    informers,
    apiserver,
    recordings: reconcileRecorder,
    elector,
    hooks,
    lost,
    url: server?.url,
    stop: async (deadlineMs = 10_000) => {
      // Stop reconciling first, then step down: the next leader starts when this one has finished.
      await hooks.stop();
      await stopManager(deadlineMs);
      await reconcileRecorder?.flush();
      // The fence closes first; the Lease is released once the writes sent before it are answered,
      // so the next leader's first write never meets one of ours in flight.
      await elector?.stop({ release: true, drained: () => fenced?.writesDrained() ?? Promise.resolve() });
      await electionClient?.close();
      await informers.stopAll();
      await client.close();
      await server?.close();
      log.info(MSG_RELAY_STOPPED);
    },
  };
}

/** `leading`, or `following (leader: <holder>)`, for /readyz. */
function leaderSummary(elector: LeaderElector): string {
  if (elector.leading) return `leading (lease ${elector.lease})`;
  const leader = elector.leader;
  return `following (lease ${elector.lease}, leader: ${leader === undefined || leader === '' ? 'none' : leader})`;
}
