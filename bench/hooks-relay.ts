// Benchmark: the relay's side of hooks, on a private control plane with plain workerd (the production bundle and its hook object).
//
// - latency: a real GitHub push POSTed to the hook's path → the reconcile it wakes starting in the relay
//   (its ReconcileRecord.startedAt, same process and clock), p50/p99 over 100 deliveries one after another
//   (goal: p50 ≤ 50 ms); the relay runs in this process (startRelay), so the figure holds the worker's
//   acceptance, the object's frame, the relay's wake and the queue;
// - kill: the relay process SIGKILLed, 100 deliveries accepted meanwhile (held by the object, unacknowledged),
//   a new relay process started: how many it dispatched, lost and dispatched twice, and how long until the
//   object held none; then the same with the 100 posted while the relay runs, SIGKILLed right after the last
//   answer (some acknowledged, some not): across both relays, lost and dispatched twice;
// - idle (`--idle=N`, minutes): the relay connected with its hook and nothing posted: frames the object's
//   code handled (the pings are answered by the runtime, so 0), how far its last pong moved, reconciles (0).
// Writes the figures under `relay` in bench/results/hooks.json (bench/hooks.ts writes the worker's).
// Run: flock /tmp/zeroloop-plane.lock node bench/hooks-relay.ts [--idle=10]   (or npm run bench -- hooks-relay --idle=10)
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { startControlPlane } from '../cluster/index.ts';
import { loadKubeconfigFile } from '../relay/kube/rest-config.ts';
import { silentLogger } from '../relay/observe/log.ts';
import { startRelay } from '../relay/relay.ts';
import { MSG_HOOK_DELIVERY } from '../relay/hooks/deliveries.ts';
import type { ReconcileRecord } from '../relay/controller/result.ts';
import { DEFAULT_KEY_ID } from '../src/signing.ts';
import { controlPlaneAt } from '../test/support/cluster.ts';
import { eventually, TestKube } from '../test/support/kube.ts';
import type { RelayProcess } from '../test/support/relay-process.ts';
import { startRelayProcess } from '../test/support/relay-process.ts';
import {
  prepareNamespace,
  reconcilerManifest,
  WEBSITE,
  WEBSITE_RECONCILER,
} from '../test/support/relay-env.ts';
import { waitConverged } from '../test/support/websites.ts';
import { TEST_SECRETS } from '../worker/testing/harness.ts';
import { githubExamples, githubHeaders, hookStatus, postHook } from '../worker/testing/hooks.ts';
import { TEST_SECRET } from '../worker/testing/requests.ts';
import { startPlainWorkerd } from '../worker/testing/workerd.ts';
import { percentile } from './stats.ts';

const DELIVERIES = 100;
const KILLED = 100;
/** `--idle=N`: N minutes with the relay connected and nothing posted (the object's code must not run). */
const idleFlag = process.argv.find((a) => a.startsWith('--idle'));
const IDLE_MINUTES = idleFlag === undefined ? 0 : Number(idleFlag.split('=')[1] ?? '10');
const HOOK_SECRET = 'bench hook secret';
const WORKER_KEY = { keyId: DEFAULT_KEY_ID, secret: TEST_SECRET, cluster: 'default' };
const RESULTS = new URL('./results/hooks.json', import.meta.url);
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const progress = (msg: string) => {
  console.log(`[bench:hooks-relay] ${new Date().toISOString().slice(11, 19)} ${msg}`);
};

progress('starting the control plane and plain workerd…');
const plane = await startControlPlane({ logger: silentLogger, handleSignals: false });
const workerd = await startPlainWorkerd(TEST_SECRETS);
const relays: RelayProcess[] = [];
const figures: Record<string, unknown> = {
  date: new Date().toISOString(),
  loadAtStart: loadavg().map((l) => round(l)),
};
try {
  const kube = new TestKube((await controlPlaneAt(plane.kubeconfigPath)).restConfig);
  const namespace = await prepareNamespace(kube, 'bench-hooks');
  const selector = `zeroloop.dev/test=${namespace}`;
  await kube.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'repo-hook', namespace },
    stringData: { token: HOOK_SECRET },
  });
  await kube.create({ ...WEBSITE, metadata: { name: 'site', namespace }, spec: { html: 'bench' } });
  const manifest = reconcilerManifest(WEBSITE_RECONCILER, namespace, workerd.url.origin);
  await kube.apply({
    ...manifest,
    spec: {
      ...manifest.spec,
      triggers: {
        hooks: [
          {
            name: 'git-push',
            type: 'github',
            secretRef: { name: 'repo-hook' },
            events: ['push'],
            wake: { names: ['site'] },
            filter: 'body.ref == "refs/heads/main"',
            summary: { maxBytes: 1024, fields: ['ref', 'after', 'repository.full_name'] },
            rateLimit: { perMinute: 6000 },
          },
        ],
      },
    },
  });
  const [example] = (await githubExamples('push')).filter((p) => typeof p.ref === 'string');
  if (!example) throw new Error('no push example');
  const body = JSON.stringify({ ...example, ref: 'refs/heads/main' });
  let known: string | undefined;
  const hookPathOf = async () =>
    (known ??= await eventually('status.hooks[0].path', async () => {
      const obj = await kube.get('zeroloop.dev/v1alpha1', 'Reconciler', undefined, manifest.metadata.name);
      return (obj?.status as { hooks?: { path?: string }[] } | undefined)?.hooks?.[0]?.path;
    }));
  const post = async (id: string) => {
    const headers = await githubHeaders(HOOK_SECRET, body, 'push', id);
    const response = await postHook(workerd.url, await hookPathOf(), body, headers);
    const answer = (await response.json()) as { accepted?: boolean };
    if (response.status !== 202 || answer.accepted !== true)
      throw new Error(`delivery ${id}: ${String(response.status)} ${JSON.stringify(answer)}`);
  };

  // ── latency: POST → reconcile start, the relay in this process ──────────────────────────────
  progress(`latency: ${String(DELIVERIES)} deliveries, one after another…`);
  const started = new Map<string, number>();
  const relay = await startRelay({
    restConfig: await loadKubeconfigFile(plane.kubeconfigPath),
    reconcilerSelector: selector,
    log: silentLogger,
    onReconcile: (record: ReconcileRecord) => {
      if (record.trigger.type === 'external') started.set(record.trigger.delivery, record.startedAt);
    },
  });
  await waitConverged(kube, namespace, ['site'], 60_000);
  await hookPathOf();
  await eventually('the relay connected', async () =>
    (await hookStatus(workerd.url, WORKER_KEY)).ready >= 1 ? true : undefined,
  );
  const latencies: number[] = [];
  for (let i = 0; i < DELIVERIES; i++) {
    const id = randomUUID();
    const sent = Date.now();
    await post(id);
    const at = await eventually(
      `delivery ${String(i)} reconciled`,
      () => Promise.resolve(started.get(id)),
      10_000,
    );
    latencies.push(at - sent);
    // Let the reconcile finish (and be acknowledged) before the next, so each measures an idle relay.
    await eventually('acknowledged', async () =>
      (await hookStatus(workerd.url, WORKER_KEY)).pending === 0 ? true : undefined,
    );
  }
  figures.postToReconcileStartMs = {
    deliveries: DELIVERIES,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    min: Math.min(...latencies),
    max: Math.max(...latencies),
    goalP50: 50,
  };
  progress(`latency: ${JSON.stringify(figures.postToReconcileStartMs)}`);
  await relay.stop();

  // ── kill: deliveries accepted while the relay is dead ───────────────────────────────────────
  const startProcess = async () => {
    const p = await startRelayProcess({ kubeconfigPath: plane.kubeconfigPath, selector });
    relays.push(p);
    await eventually('the relay connected', async () =>
      (await hookStatus(workerd.url, WORKER_KEY)).ready >= 1 ? true : undefined,
    );
    return p;
  };
  const dispatched = (p: RelayProcess) =>
    p.lines.filter((l) => l.msg === MSG_HOOK_DELIVERY).map((l) => String(l.delivery));
  const count = (ids: readonly string[], seen: readonly string[]) => {
    const times = new Map<string, number>();
    for (const id of seen) times.set(id, (times.get(id) ?? 0) + 1);
    return {
      delivered: ids.filter((id) => times.has(id)).length,
      lost: ids.filter((id) => !times.has(id)).length,
      duplicated: ids.filter((id) => (times.get(id) ?? 0) > 1).length,
    };
  };
  progress(`kill: SIGKILL, then ${String(KILLED)} deliveries accepted, then a new relay…`);
  const first = await startProcess();
  await first.kill('SIGKILL');
  const ids = Array.from({ length: KILLED }, () => randomUUID());
  for (const id of ids) await post(id);
  const held = (await hookStatus(workerd.url, WORKER_KEY)).pending;
  const restart = Date.now();
  const second = await startProcess();
  await eventually(
    'none held',
    async () => ((await hookStatus(workerd.url, WORKER_KEY)).pending === 0 ? true : undefined),
    60_000,
  );
  figures.killedThenPosted = {
    accepted: KILLED,
    heldByTheObject: held,
    ...count(ids, dispatched(second)),
    msFromRestartToNoneHeld: Date.now() - restart,
  };
  progress(`kill: ${JSON.stringify(figures.killedThenPosted)}`);

  progress(`kill mid-flight: ${String(KILLED)} posted while the relay runs, SIGKILL after the last answer…`);
  const live = Array.from({ length: KILLED }, () => randomUUID());
  await Promise.all(live.map((id) => post(id)));
  await second.kill('SIGKILL');
  const heldMid = (await hookStatus(workerd.url, WORKER_KEY)).pending;
  const third = await startProcess();
  await eventually(
    'none held',
    async () => ((await hookStatus(workerd.url, WORKER_KEY)).pending === 0 ? true : undefined),
    60_000,
  );
  await sleep(1000);
  figures.killedMidFlight = {
    accepted: KILLED,
    heldByTheObjectAtTheKill: heldMid,
    dispatchedBeforeTheKill: live.filter((id) => dispatched(second).includes(id)).length,
    ...count(live, [...dispatched(second), ...dispatched(third)]),
  };
  progress(`kill mid-flight: ${JSON.stringify(figures.killedMidFlight)}`);

  if (IDLE_MINUTES > 0) {
    // ── idle: a connected relay with a hook, nothing happening ────────────────────────────────
    progress(`idle: ${String(IDLE_MINUTES)} minutes with the relay connected and nothing posted…`);
    const reconciles = () => third.metric('zeroloop_reconciles_total');
    await sleep(5000);
    const [before, reconcilesBefore] = [await hookStatus(workerd.url, WORKER_KEY), await reconciles()];
    await sleep(IDLE_MINUTES * 60_000);
    const [after, reconcilesAfter] = [await hookStatus(workerd.url, WORKER_KEY), await reconciles()];
    figures.idle = {
      minutes: IDLE_MINUTES,
      framesTheObjectHandled: after.handledFrames - before.handledFrames,
      lastPongSecondsAgo:
        after.lastPongAt === undefined ? null : round((Date.now() - after.lastPongAt) / 1000, 1),
      pongAdvancedSeconds:
        after.lastPongAt === undefined || before.lastPongAt === undefined
          ? null
          : round((after.lastPongAt - before.lastPongAt) / 1000, 1),
      reconciles: reconcilesAfter - reconcilesBefore,
      connections: after.connections,
    };
    progress(`idle: ${JSON.stringify(figures.idle)}`);
  }
} finally {
  for (const p of relays)
    if (p.child.exitCode === null && p.child.signalCode === null) await p.kill('SIGKILL');
  await workerd.close();
  await plane.stop();
}

const earlier: Record<string, unknown> = await readFile(RESULTS, 'utf8').then(
  (text) => JSON.parse(text) as Record<string, unknown>,
  () => ({}),
);
await writeFile(RESULTS, `${JSON.stringify({ ...earlier, relay: figures }, null, 2)}\n`);
progress(`wrote ${RESULTS.pathname} (relay)`);
