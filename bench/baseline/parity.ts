// Checks that the baseline operator and zeroloop's website reconciler write the same children, status and Events.
//
// On one control plane, each system in turn reconciles the two samples of reconcilers/website/samples
// (`hello`: 2 replicas, HTML, exposed; `internal`: no HTML, not exposed) through three steps:
// created; the Deployment's status says every replica is ready (written by hand: the local control
// plane has no Deployment controller); `hello` loses its HTML and its Service. After each step the
// objects are normalized (server fields, ownership stamps and timestamps dropped) and the two systems'
// answers must be equal. Exits 1 and prints the differences otherwise.
// Run: flock /tmp/zeroloop-controlplane.lock node bench/baseline/parity.ts
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import { startControlPlane } from '../../cluster/index.ts';
import { loadKubeconfigFile } from '../../relay/kube/rest-config.ts';
import type { KObject } from '../../relay/kube/object.ts';
import { eventually, TestKube } from '../../test/support/kube.ts';
import { CONFIGMAP, DEPLOYMENT, prepareNamespace, SERVICE, WEBSITE } from '../../test/support/relay-env.ts';
import { ensureBaseline } from './build.ts';
import { startBaseline, startZeroloop } from './systems.ts';
import type { RunningSystem, StartOptions } from './systems.ts';

const progress = (msg: string) => process.stderr.write(`[parity] ${msg}\n`);
const SAMPLES = new URL('../../reconcilers/website/samples/', import.meta.url);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What both systems must agree on: no uids, versions, times, field managers or relay stamps. */
function normalize(value: unknown, namespace: string, key = ''): Json {
  if (typeof value === 'string') {
    if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(value)) return '<time>';
    return value.split(namespace).join('<ns>');
  }
  if (Array.isArray(value)) return value.map((v) => normalize(v, namespace));
  if (value === null || typeof value !== 'object') return (value ?? null) as Json;
  const drop = ['uid', 'resourceVersion', 'managedFields', 'creationTimestamp', 'generation', 'annotations'];
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    if (key === 'metadata' && drop.includes(k)) continue;
    if (key === 'labels' && k.startsWith('zeroloop.dev/')) continue;
    if (key === 'spec' && (k === 'clusterIP' || k === 'clusterIPs')) continue; // allocated per Service
    if (k === 'blockOwnerDeletion' || k === 'uid') continue;
    out[k] = normalize(v, namespace, k);
  }
  return out;
}

async function snapshot(kube: TestKube, namespace: string): Promise<Json> {
  await sleep(2000); // Events are posted after the write that caused them
  const objects = async (kind: { apiVersion: string; kind: string }) =>
    (await kube.list(kind.apiVersion, kind.kind, namespace))
      .filter((o: KObject) => o.metadata.name !== 'kube-root-ca.crt' && o.metadata.name !== 'worker-signing')
      .map((o) => normalize({ ...o, apiVersion: kind.apiVersion, kind: kind.kind }, namespace));
  const events = await Promise.all(
    ['hello', 'internal'].map(async (name) =>
      (await kube.events(namespace, name))
        .map((e) => normalize({ type: e.type, reason: e.reason, message: e.message }, namespace))
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    ),
  );
  return {
    websites: await objects(WEBSITE),
    deployments: await objects(DEPLOYMENT),
    services: await objects(SERVICE),
    configMaps: await objects(CONFIGMAP),
    events,
  };
}

/** Waits until `check` holds for the namespace's objects. */
async function until(kube: TestKube, what: string, check: () => Promise<boolean>): Promise<void> {
  await eventually(what, async () => ((await check()) ? true : undefined), 60_000);
}

async function readyCondition(kube: TestKube, namespace: string, name: string): Promise<string | undefined> {
  const w = await kube.get(WEBSITE.apiVersion, WEBSITE.kind, namespace, name);
  const conditions = (w?.status as { conditions?: { type: string; reason: string }[] } | undefined)
    ?.conditions;
  return conditions?.find((c) => c.type === 'Ready')?.reason;
}

async function steps(kube: TestKube, namespace: string): Promise<Record<string, Json>> {
  const out: Record<string, Json> = {};
  await kube.applyFile(new URL('hello.yaml', SAMPLES), { namespace });
  await kube.applyFile(new URL('internal.yaml', SAMPLES), { namespace });
  await until(kube, 'both samples reconciled', async () => {
    const reasons = await Promise.all(['hello', 'internal'].map((n) => readyCondition(kube, namespace, n)));
    const children = await Promise.all(
      [DEPLOYMENT, SERVICE, CONFIGMAP].map(
        async (k) => (await kube.list(k.apiVersion, k.kind, namespace)).length,
      ),
    );
    // 2 Deployments, 1 Service, 1 ConfigMap (plus kube-root-ca.crt).
    return reasons.every((r) => r !== undefined) && isDeepStrictEqual(children, [2, 1, 2]);
  });
  await sleep(3000); // any reconcile the children's creation triggers
  out.created = await snapshot(kube, namespace);

  const deployment = await kube.get(DEPLOYMENT.apiVersion, DEPLOYMENT.kind, namespace, 'hello');
  const generation = deployment?.metadata.generation ?? 1;
  await kube.patch(
    DEPLOYMENT.apiVersion,
    DEPLOYMENT.kind,
    namespace,
    'hello',
    {
      status: {
        observedGeneration: generation,
        replicas: 2,
        readyReplicas: 2,
        updatedReplicas: 2,
        availableReplicas: 2,
      },
    },
    'status',
  );
  await until(
    kube,
    'hello Ready',
    async () => (await readyCondition(kube, namespace, 'hello')) === 'ReplicasReady',
  );
  await until(kube, 'the Ready Event', async () =>
    (await kube.events(namespace, 'hello')).some((e) => e.reason === 'Ready'),
  );
  out.ready = await snapshot(kube, namespace);

  await kube.patch(WEBSITE.apiVersion, WEBSITE.kind, namespace, 'hello', {
    spec: { html: null, expose: false },
  });
  await until(kube, 'the ConfigMap and Service of hello pruned', async () => {
    const services = await kube.list(SERVICE.apiVersion, SERVICE.kind, namespace);
    const html = await kube.get(CONFIGMAP.apiVersion, CONFIGMAP.kind, namespace, 'hello-html');
    const d = await kube.get(DEPLOYMENT.apiVersion, DEPLOYMENT.kind, namespace, 'hello');
    const volumes = (d?.spec as { template?: { spec?: { volumes?: unknown[] } } } | undefined)?.template?.spec
      ?.volumes;
    const website = await kube.get(WEBSITE.apiVersion, WEBSITE.kind, namespace, 'hello');
    const url = (website?.status as { url?: string } | undefined)?.url;
    return services.length === 0 && html === undefined && (volumes ?? []).length === 0 && url === undefined;
  });
  out.pruned = await snapshot(kube, namespace);
  return out;
}

/** Paths where `a` and `b` differ, with both values. */
function differences(a: Json, b: Json, path = ''): string[] {
  if (isDeepStrictEqual(a, b)) return [];
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) =>
      differences(
        (a as Record<string, Json>)[k] ?? null,
        (b as Record<string, Json>)[k] ?? null,
        `${path}.${k}`,
      ),
    );
  }
  return [`${path}: zeroloop ${JSON.stringify(a)}, baseline ${JSON.stringify(b)}`];
}

const binary = await ensureBaseline();
const plane = await startControlPlane();
try {
  const kube = new TestKube(await loadKubeconfigFile(plane.kubeconfigPath));
  const logDir = mkdtempSync(join(tmpdir(), 'zeroloop-parity-'));
  const answers: Record<string, Json> = {};
  const systems: [string, (o: StartOptions) => Promise<RunningSystem>][] = [
    ['zeroloop', startZeroloop],
    ['baseline', (o) => startBaseline({ ...o, binary: binary.path, mode: 'watch' })],
  ];
  for (const [name, start] of systems) {
    const namespace = await prepareNamespace(kube, `parity-${name}`);
    const system = await start({ plane, kube, namespace, concurrency: 2, logDir });
    try {
      answers[name] = await steps(kube, namespace);
      progress(`${name}: done (logs in ${logDir})`);
    } finally {
      await system.stop();
    }
  }
  const diff = differences(answers.zeroloop ?? null, answers.baseline ?? null);
  if (diff.length > 0) {
    progress(`the systems differ in ${diff.length} place(s):\n  ${diff.join('\n  ')}`);
    process.exitCode = 1;
  } else {
    progress('same children, status and Events after every step');
  }
  if (process.env.PARITY_DUMP) process.stdout.write(`${JSON.stringify(answers, null, 2)}\n`);
} finally {
  await plane.stop();
}
