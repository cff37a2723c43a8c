// An e2e environment for relay tests: real control plane, real worker in workerd, and the relay, in a fresh namespace.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { withServer } from '../../relay/kube/rest-config.ts';
import { createLogger } from '../../relay/observe/log.ts';
import type { Relay, RelayOptions } from '../../relay/relay.ts';
import { startRelay } from '../../relay/relay.ts';
import type { RunningWorker } from '../../worker/testing/harness.ts';
import { startWorker } from '../../worker/testing/harness.ts';
import { TEST_SECRET } from '../../worker/testing/requests.ts';
import { sharedControlPlane } from './cluster.ts';
import type { SharedControlPlane } from './cluster.ts';
import { eventually, TestKube } from './kube.ts';
import type { TcpProxy } from './tcp-proxy.ts';
import { startTcpProxy } from './tcp-proxy.ts';

const root = new URL('../../', import.meta.url);
export const CRDS = [
  new URL('deploy/crds/reconcilers.zeroloop.dev.yaml', root),
  new URL('reconcilers/website/crd.yaml', root),
  new URL('reconcilers/website-go/crd.yaml', root),
  new URL('reconcilers/database/crd.yaml', root),
  new URL('test/fixtures/reconcilers/faulty/crd.yaml', root),
];

export const WEBSITE = { apiVersion: 'examples.zeroloop.dev/v1alpha1', kind: 'Website' } as const;
/** The same Website schema under the Go port's own kind and group (reconcilers/website-go). */
export const WEBSITE_GO = { apiVersion: 'go.examples.zeroloop.dev/v1alpha1', kind: 'GoWebsite' } as const;
export const FAULTY = { apiVersion: 'test.zeroloop.dev/v1', kind: 'Faulty' } as const;
export const DATABASE = { apiVersion: 'examples.zeroloop.dev/v1alpha1', kind: 'Database' } as const;
export const STATEFULSET = { apiVersion: 'apps/v1', kind: 'StatefulSet' } as const;
export const POD = { apiVersion: 'v1', kind: 'Pod' } as const;
export const DEPLOYMENT = { apiVersion: 'apps/v1', kind: 'Deployment' } as const;
export const SERVICE = { apiVersion: 'v1', kind: 'Service' } as const;
export const CONFIGMAP = { apiVersion: 'v1', kind: 'ConfigMap' } as const;

export interface ReconcilerDef {
  /** Short name; the Reconciler resource is `<namespace>-<name>`. */
  name: string;
  reconciler: string;
  primary: { apiVersion: string; kind: string };
  owns: { apiVersion: string; kind: string }[];
  reads?: { apiVersion: string; kind: string }[];
  finalizer?: boolean;
  concurrency?: number;
  timeoutSeconds?: number;
}

export const WEBSITE_RECONCILER: ReconcilerDef = {
  name: 'website',
  reconciler: 'website',
  primary: WEBSITE,
  owns: [DEPLOYMENT, SERVICE, CONFIGMAP],
};
export const WEBSITE_GO_RECONCILER: ReconcilerDef = {
  name: 'website-go',
  reconciler: 'website-go',
  primary: WEBSITE_GO,
  owns: [DEPLOYMENT, SERVICE, CONFIGMAP],
};
export const DATABASE_RECONCILER: ReconcilerDef = {
  name: 'database',
  reconciler: 'database',
  primary: DATABASE,
  owns: [STATEFULSET, SERVICE, CONFIGMAP],
  reads: [POD],
  finalizer: true,
};
export const FAULTY_RECONCILER: ReconcilerDef = {
  name: 'faulty',
  reconciler: 'faulty',
  primary: FAULTY,
  owns: [CONFIGMAP],
  timeoutSeconds: 5,
};

export interface RelayEnv {
  plane: SharedControlPlane;
  kube: TestKube;
  namespace: string;
  worker: RunningWorker;
  /** The relay reaches the worker through this (so a test can take the worker down). */
  proxy: TcpProxy;
  /** Set with `apiserverProxy: true`: the relay reaches the apiserver through it. */
  apiserverProxy: TcpProxy | undefined;
  relay: Relay;
  /** The relay's JSON log lines. */
  logs: string[];
  /** Sum of a metric's series whose labels include `labels`, read from the relay's /metrics over HTTP. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  /** Waits until the reconciles of these series (labels as for `metric`) stop: no new one for 5 s in a row. */
  settled(series: Record<string, string>[]): Promise<void>;
  /** The relay's log lines with message `msg` (`reconciled`, `reconcile failed`, …) for primary `name` in the namespace. */
  logLines(name: string, msg: string): Record<string, unknown>[];
  /** Waits for a Warning Event `reason` on `name` in the namespace; returns its message. */
  warning(name: string, reason: string): Promise<string>;
  /** Stops the relay and starts a new one on the same cluster and worker. */
  restartRelay(): Promise<void>;
  stop(): Promise<void>;
}

/** Parses Prometheus text and sums the series of `name` matching `labels`. */
export function sumMetric(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (m?.[1] !== name) continue;
    const have = new Map([...(m[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) sum += Number(m[4]);
  }
  return sum;
}

export interface RelayEnvOptions {
  name: string;
  reconcilers: ReconcilerDef[];
  /** Route the relay's apiserver traffic through a TCP proxy (`env.apiserverProxy`) so a test can cut it. */
  apiserverProxy?: boolean;
  /** Relay options a test tunes (watch timeouts and stall bound, readiness bound). */
  relayOptions?: Pick<
    RelayOptions,
    'watchTimeoutSeconds' | 'watchStallMs' | 'apiserverUnreachableAfterMs' | 'record'
  >;
  /** Another control plane than the shared one (a test that restarts or breaks it brings its own). */
  plane?: SharedControlPlane;
  /** The wrangler config of the worker to start; defaults to the test worker (examples and fixtures). */
  workerConfig?: string;
}

/**
 * Creates a fresh namespace `<prefix>-<random>`, installs the CRDs the relay tests use, and puts the
 * worker's signing secret in it as Secret `worker-signing` (key `secret`). Returns the namespace.
 */
export async function prepareNamespace(kube: TestKube, prefix: string): Promise<string> {
  const namespace = `${prefix}-${randomBytes(3).toString('hex')}`;
  await kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  for (const crd of CRDS) await kube.applyFile(crd);
  await kube.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'worker-signing', namespace },
    stringData: { secret: TEST_SECRET },
  });
  return namespace;
}

/**
 * The Reconciler resource `<namespace>-<def.name>` for `def`, calling the worker at `endpoint`, labelled
 * `zeroloop.dev/test=<namespace>` (the relay's RECONCILER_SELECTOR in tests), confined to `namespace`.
 */
export function reconcilerManifest(def: ReconcilerDef, namespace: string, endpoint: string) {
  return {
    apiVersion: 'zeroloop.dev/v1alpha1',
    kind: 'Reconciler',
    metadata: { name: `${namespace}-${def.name}`, labels: { 'zeroloop.dev/test': namespace } },
    spec: {
      reconciler: def.reconciler,
      endpoint,
      signingSecretRef: { namespace, name: 'worker-signing', key: 'secret' },
      primary: def.primary,
      owns: def.owns,
      reads: def.reads ?? [],
      finalizer: def.finalizer ?? false,
      namespaces: [namespace],
      concurrency: def.concurrency ?? 4,
      timeoutSeconds: def.timeoutSeconds ?? 10,
    },
  };
}

export async function startRelayEnv(options: RelayEnvOptions): Promise<RelayEnv> {
  const plane = options.plane ?? (await sharedControlPlane());
  const kube = new TestKube(plane.restConfig);
  const namespace = await prepareNamespace(kube, `zl-${options.name}`);
  const worker = await startWorker(options.workerConfig);
  const proxy = await startTcpProxy(worker.url);
  const selector = `zeroloop.dev/test=${namespace}`;
  for (const def of options.reconcilers) await kube.apply(reconcilerManifest(def, namespace, proxy.url));
  const logs: string[] = [];
  const apiserverProxy = options.apiserverProxy ? await startTcpProxy(new URL(plane.server)) : undefined;
  const relayRestConfig = apiserverProxy
    ? withServer(plane.restConfig, apiserverProxy.url.replace('http:', 'https:'))
    : plane.restConfig;
  const start = async (): Promise<Relay> => {
    const relay = await startRelay({
      restConfig: relayRestConfig,
      metricsPort: 0,
      reconcilerSelector: selector,
      backoff: { baseDelayMs: 200, maxDelayMs: 4000 },
      ...options.relayOptions,
      log: createLogger({
        level: 'debug',
        write: (line) => {
          logs.push(line);
          if (process.env.ZEROLOOP_TEST_LOGS) process.stderr.write(line + '\n');
        },
      }),
    });
    await eventually('the relay to start its controllers and sync', () =>
      Promise.resolve(
        relay.manager.controllers.size === options.reconcilers.length && relay.manager.ready
          ? true
          : undefined,
      ),
    );
    return relay;
  };
  const env: RelayEnv = {
    plane,
    kube,
    namespace,
    worker,
    proxy,
    apiserverProxy,
    relay: await start(),
    logs,
    logLines: (name, msg) =>
      logs
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.key === `${namespace}/${name}` && l.msg === msg),
    warning: (name, reason) =>
      eventually(`a Warning Event ${reason} on ${name}`, async () => {
        const events = await kube.events(namespace, name);
        return events.find((e) => e.type === 'Warning' && e.reason === reason)?.message;
      }),
    metric: async (name, labels = {}) => {
      const response = await fetch(`${env.relay.url ?? ''}/metrics`);
      return sumMetric(await response.text(), name, labels);
    },
    settled: async (series) => {
      const total = async () =>
        (await Promise.all(series.map((labels) => env.metric('zeroloop_reconciles_total', labels)))).reduce(
          (a, b) => a + b,
          0,
        );
      let last = await total();
      for (;;) {
        await sleep(5000);
        const now = await total();
        if (now === last) return;
        last = now;
      }
    },
    restartRelay: async () => {
      await env.relay.stop();
      env.relay = await start();
    },
    stop: async () => {
      await env.relay.stop();
      await proxy.close();
      await apiserverProxy?.close();
      await worker.close();
      for (const def of options.reconcilers) {
        await kube.delete('zeroloop.dev/v1alpha1', 'Reconciler', undefined, `${namespace}-${def.name}`);
      }
      await kube.delete('v1', 'Namespace', undefined, namespace);
    },
  };
  return env;
}
