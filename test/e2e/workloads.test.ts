// E2e on a plane with workloads (kube-scheduler, KWOK nodes): statuses follow real Pods, and node heartbeats wake nothing.
//
// The shared test plane is the light one (no scheduler, no nodes): other tests create Pods by hand and
// report them Ready themselves, which a scheduler and kwok would race. So this file starts its own plane.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startControlPlane } from '../../cluster/index.ts';
import type { ControlPlane } from '../../cluster/index.ts';
import { controlPlaneAt } from '../support/cluster.ts';
import { eventually } from '../support/kube.ts';
import type { RelayEnv } from '../support/relay-env.ts';
import {
  DATABASE,
  DATABASE_RECONCILER,
  POD,
  startRelayEnv,
  WEBSITE,
  WEBSITE_RECONCILER,
} from '../support/relay-env.ts';

const LEASE = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' } as const;
const PVC = { apiVersion: 'v1', kind: 'PersistentVolumeClaim' } as const;
const IDLE_MS = 30_000;

let plane: ControlPlane;
let env: RelayEnv;

before(async () => {
  plane = await startControlPlane({ workloads: true });
  env = await startRelayEnv({
    name: 'workloads',
    reconcilers: [WEBSITE_RECONCILER, DATABASE_RECONCILER],
    plane: await controlPlaneAt(plane.kubeconfigPath),
  });
});
after(async () => {
  await env.stop();
  await plane.stop();
});

interface Seen {
  readonly replicas: number;
  readonly ready: number;
  readonly condition: string;
}

/**
 * Samples `read` every 50 ms until `done` holds for the latest sample; returns the distinct consecutive
 * samples, in order. The test polls; zeroloop does not (its status follows watch events).
 */
async function follow(
  what: string,
  read: () => Promise<Seen | undefined>,
  done: (s: Seen) => boolean,
  timeoutMs = 60_000,
): Promise<Seen[]> {
  const seen: Seen[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await read();
    const last = seen.at(-1);
    if (s !== undefined && (last === undefined || JSON.stringify(last) !== JSON.stringify(s))) seen.push(s);
    if (s !== undefined && done(s)) return seen;
    if (Date.now() > deadline) assert.fail(`${what}: timed out; seen ${JSON.stringify(seen)}`);
    await sleep(50);
  }
}

interface StatusFields {
  replicas?: number;
  readyReplicas?: number;
  members?: number;
  readyMembers?: number;
  conditions?: { type: string; status: string }[];
}

const readyOf = (status: StatusFields | undefined): string =>
  status?.conditions?.find((c) => c.type === 'Ready')?.status ?? 'none';

async function websiteStatus(name: string): Promise<Seen | undefined> {
  const site = await env.kube.get(WEBSITE.apiVersion, WEBSITE.kind, env.namespace, name);
  const status = site?.status as StatusFields | undefined;
  if (status?.replicas === undefined) return undefined;
  return { replicas: status.replicas, ready: status.readyReplicas ?? 0, condition: readyOf(status) };
}

async function databaseStatus(name: string, members: number): Promise<Seen | undefined> {
  const db = await env.kube.get(DATABASE.apiVersion, DATABASE.kind, env.namespace, name);
  const status = db?.status as StatusFields | undefined;
  if (status?.readyMembers === undefined) return undefined;
  return { replicas: members, ready: status.readyMembers, condition: readyOf(status) };
}

async function podsOf(instance: string) {
  return env.kube.list(POD.apiVersion, POD.kind, env.namespace, `app.kubernetes.io/instance=${instance}`);
}

test('a Website follows a real rollout: 0/2 to 2/2 with Pods Running on the fake nodes, then a scale to 3 reaches 3/3', async () => {
  await env.kube.create({
    ...WEBSITE,
    metadata: { name: 'rollout', namespace: env.namespace },
    spec: { replicas: 2, html: '<p>rollout</p>' },
  });
  const first = await follow(
    'Website rollout 2/2',
    () => websiteStatus('rollout'),
    (s) => s.ready === 2 && s.condition === 'True',
  );
  console.log(`rollout: ${first.map((s) => `${s.ready}/${s.replicas} Ready=${s.condition}`).join(' → ')}`);
  assert.deepEqual(first[0], { replicas: 2, ready: 0, condition: 'False' }, 'the first status is 0/2');
  for (const [i, s] of first.entries()) {
    assert.ok(i === 0 || s.ready >= (first[i - 1]?.ready ?? 0), 'ready replicas never go down in a rollout');
  }
  const pods = await podsOf('rollout');
  assert.equal(pods.length, 2);
  for (const pod of pods) {
    const spec = pod.spec as { nodeName?: string };
    const status = pod.status as { phase?: string; podIP?: string };
    assert.match(spec.nodeName ?? '', /^kwok-node-\d+$/, 'scheduled by kube-scheduler onto a fake node');
    assert.equal(status.phase, 'Running');
    assert.match(status.podIP ?? '', /^10\.244\./, 'a pod IP from kwok');
  }

  await env.kube.patch(WEBSITE.apiVersion, WEBSITE.kind, env.namespace, 'rollout', { spec: { replicas: 3 } });
  const scaled = await follow(
    'Website rollout 3/3',
    () => websiteStatus('rollout'),
    (s) => s.replicas === 3 && s.ready === 3 && s.condition === 'True',
  );
  console.log(`scale: ${scaled.map((s) => `${s.ready}/${s.replicas} Ready=${s.condition}`).join(' → ')}`);
  assert.ok(
    scaled.some((s) => s.replicas === 3 && s.ready === 2 && s.condition === 'False'),
    `2/3 not ready was reported before 3/3: ${JSON.stringify(scaled)}`,
  );
  assert.equal((await podsOf('rollout')).length, 3);
});

test('a Database follows its StatefulSet Pods, through a deleted Pod and its replacement', async () => {
  await env.kube.create({
    ...DATABASE,
    metadata: { name: 'orders', namespace: env.namespace },
    spec: { members: 3 },
  });
  const up = await follow(
    'Database orders 3/3',
    () => databaseStatus('orders', 3),
    (s) => s.ready === 3 && s.condition === 'True',
    90_000,
  );
  console.log(`database up: ${up.map((s) => `${s.ready}/3 Ready=${s.condition}`).join(' → ')}`);
  assert.equal(up[0]?.ready, 0, 'the first status counts no ready member');
  // The StatefulSet's claims were bound by kwok's provisioner Stage (the Pods could not be scheduled otherwise).
  const claims = await env.kube.list(PVC.apiVersion, PVC.kind, env.namespace);
  assert.equal(claims.filter((c) => (c.status as { phase?: string }).phase === 'Bound').length, 3);

  const victim = (await podsOf('orders')).find((p) => p.metadata.name === 'orders-1');
  assert.ok(victim, 'Pod orders-1 exists');
  await env.kube.delete(POD.apiVersion, POD.kind, env.namespace, 'orders-1');
  // First the dip (the deleted Pod no longer counts), then the way back with its replacement.
  const dip = await follow(
    'Database orders below 3/3 after the delete',
    () => databaseStatus('orders', 3),
    (s) => s.ready < 3,
    30_000,
  );
  const back = await follow(
    'Database orders back to 3/3 with a new orders-1',
    () => databaseStatus('orders', 3),
    (s) => s.ready === 3 && s.condition === 'True',
    60_000,
  );
  const after = [...dip, ...back];
  console.log(`pod deleted: ${after.map((s) => `${s.ready}/3 Ready=${s.condition}`).join(' → ')}`);
  assert.deepEqual(dip.at(-1), { replicas: 3, ready: 2, condition: 'False' }, 'the dip is 2/3, not ready');
  const replacement = (await podsOf('orders')).find((p) => p.metadata.name === 'orders-1');
  assert.ok(replacement, 'the StatefulSet made a new orders-1');
  assert.notEqual(replacement.metadata.uid, victim.metadata.uid, 'a new Pod, not the old one');
});

test('idle: 30 s of converged Websites and a Database with real Pods cost 0 reconciles while the nodes renew their Leases', async () => {
  const website = { reconciler: `${env.namespace}-website` };
  const database = { reconciler: `${env.namespace}-database` };
  await eventually('the Website and Database converged', async () => {
    const site = await websiteStatus('rollout');
    const db = await databaseStatus('orders', 3);
    return site?.ready === 3 && db?.ready === 3 ? true : undefined;
  });
  // Converged: no reconcile for 5 s in a row.
  await env.settled([website, database]);
  const both = async () =>
    (await env.metric('zeroloop_reconciles_total', website)) +
    (await env.metric('zeroloop_reconciles_total', database));
  const renewals = async () =>
    new Map(
      (await env.kube.list(LEASE.apiVersion, LEASE.kind, 'kube-node-lease')).map((l) => [
        l.metadata.name,
        (l.spec as { renewTime?: string }).renewTime ?? '',
      ]),
    );
  const leasesBefore = await renewals();
  const before = {
    reconciles: await both(),
    requests:
      (await env.metric('zeroloop_worker_requests_total', website)) +
      (await env.metric('zeroloop_worker_requests_total', database)),
  };
  await sleep(IDLE_MS);
  const reconciles = (await both()) - before.reconciles;
  const requests =
    (await env.metric('zeroloop_worker_requests_total', website)) +
    (await env.metric('zeroloop_worker_requests_total', database)) -
    before.requests;
  const leasesAfter = await renewals();
  const renewed = plane.nodes.filter(
    (n) => leasesBefore.get(n) !== undefined && leasesAfter.get(n) !== leasesBefore.get(n),
  );
  console.log(
    `idle ${String(IDLE_MS / 1000)} s: ${String(reconciles)} reconciles, ${String(requests)} worker requests; ` +
      `leases renewed: ${renewed.join(', ')}`,
  );
  assert.deepEqual(renewed, plane.nodes, 'every fake node renewed its Lease during the idle window');
  assert.equal(reconciles, 0);
  assert.equal(requests, 0);
});
