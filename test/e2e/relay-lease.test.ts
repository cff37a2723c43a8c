// E2e: the Lease state machine (relay/election) against the real apiserver, on short timings: create, follow, renew, release, race, and a leader cut off from the apiserver fencing itself before a follower takes over.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ElectionState, LeaderElectorOptions } from '../../relay/election/elector.ts';
import { LeaderElector, NotLeader } from '../../relay/election/elector.ts';
import { Lease, type LeaseSpec } from '../../relay/election/lease.ts';
import { KubeClient } from '../../relay/kube/client.ts';
import { withServer } from '../../relay/kube/rest-config.ts';
import { createLogger } from '../../relay/observe/log.ts';
import type { SharedControlPlane } from '../support/cluster.ts';
import { sharedControlPlane } from '../support/cluster.ts';
import { eventually, TestKube } from '../support/kube.ts';
import { startTcpProxy } from '../support/tcp-proxy.ts';

/** Short but consistent timings (lease > renew deadline > 1.2 × retry), as client-go's 15/10/2 s scaled down. */
const TIMING = { leaseDurationMs: 2000, renewDeadlineMs: 1500, retryPeriodMs: 300 };

let plane: SharedControlPlane;
let kube: TestKube;
let namespace: string;
const electors: LeaderElector[] = [];
const clients: KubeClient[] = [];

before(async () => {
  plane = await sharedControlPlane();
  kube = new TestKube(plane.restConfig);
  namespace = `zl-lease-${randomBytes(3).toString('hex')}`;
  await kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
});
after(async () => {
  for (const e of electors) await e.stop({ release: false });
  for (const c of clients) await c.close();
  await kube.delete('v1', 'Namespace', undefined, namespace);
});

function elector(
  name: string,
  identity: string,
  options: { server?: string; onTransition?: LeaderElectorOptions['onTransition'] } = {},
): LeaderElector {
  const restConfig = options.server ? withServer(plane.restConfig, options.server) : plane.restConfig;
  const client = new KubeClient(restConfig, { timeoutMs: 5000 });
  clients.push(client);
  const e = new LeaderElector({
    client,
    namespace,
    name,
    identity,
    ...TIMING,
    log: createLogger({ level: 'warn' }),
    ...(options.onTransition ? { onTransition: options.onTransition } : {}),
  });
  electors.push(e);
  return e;
}

async function readLease(name: string): Promise<LeaseSpec> {
  const lease = Lease.parse(
    await kube.client.request('GET', `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/${name}`),
  );
  return lease.spec ?? {};
}

const MICROTIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

test('the first elector creates the Lease and leads; a second follows; the leader renews', async () => {
  const a = elector('create', 'relay-a');
  a.run();
  await a.acquired;
  const b = elector('create', 'relay-b');
  b.run();
  await eventually('relay-b to see relay-a lead', () =>
    Promise.resolve(b.leader === 'relay-a' ? true : undefined),
  );
  const first = await readLease('create');
  assert.equal(first.holderIdentity, 'relay-a');
  assert.equal(first.leaseDurationSeconds, 2);
  assert.equal(first.leaseTransitions, 0);
  assert.match(first.acquireTime ?? '', MICROTIME);
  assert.match(first.renewTime ?? '', MICROTIME);
  // Several lease durations later: still relay-a, renewed, and relay-b never led.
  await sleep(TIMING.leaseDurationMs * 2);
  const later = await readLease('create');
  assert.equal(later.holderIdentity, 'relay-a');
  assert.equal(later.acquireTime, first.acquireTime);
  assert.ok((later.renewTime ?? '') > (first.renewTime ?? ''), 'renewTime moved on');
  assert.equal(later.leaseTransitions, 0);
  assert.equal(a.leading, true);
  assert.equal(b.leading, false);
  assert.throws(() => b.permit('PATCH', '/x'), NotLeader);
  assert.ok(a.permit('PATCH', '/x') > 0);
});

test('a leader that stops with release hands over at the follower’s next retry, not after the lease', async () => {
  const a = elector('release', 'relay-a');
  a.run();
  await a.acquired;
  const b = elector('release', 'relay-b');
  b.run();
  await eventually('relay-b to see relay-a lead', () =>
    Promise.resolve(b.leader === 'relay-a' ? true : undefined),
  );
  const started = performance.now();
  await a.stop({ release: true });
  assert.equal(a.leading, false);
  await b.acquired;
  const takeoverMs = performance.now() - started;
  assert.ok(
    takeoverMs < TIMING.retryPeriodMs * 1.2 + 1000,
    `took over in ${Math.round(takeoverMs)} ms, expected about one retry period`,
  );
  const lease = await readLease('release');
  assert.equal(lease.holderIdentity, 'relay-b');
  assert.equal(lease.leaseTransitions, 1);
  assert.equal(lease.leaseDurationSeconds, 2);
});

test('of electors racing for a new Lease exactly one leads (optimistic concurrency)', async () => {
  const racers = ['r1', 'r2', 'r3'].map((id) => elector('race', id));
  for (const r of racers) r.run();
  await Promise.race(racers.map((r) => r.acquired));
  await sleep(TIMING.leaseDurationMs * 2);
  const leading = racers.filter((r) => r.leading);
  assert.equal(leading.length, 1);
  const lease = await readLease('race');
  assert.equal(lease.holderIdentity, leading[0]?.identity);
  for (const r of racers) assert.equal(r.leader, leading[0]?.identity);
});

test('a leader cut off from the apiserver fences its writes at the renew deadline, before a follower takes over', async () => {
  const proxy = await startTcpProxy(new URL(plane.server));
  const seen: { at: number; who: string; state: ElectionState['state'] }[] = [];
  const record = (who: string) => (state: ElectionState) => {
    seen.push({ at: Date.now(), who, state: state.state });
  };
  const a = elector('fence', 'relay-a', {
    server: proxy.url.replace('http:', 'https:'),
    onTransition: record('relay-a'),
  });
  a.run();
  await a.acquired;
  const b = elector('fence', 'relay-b', { onTransition: record('relay-b') });
  b.run();
  await eventually('relay-b to see relay-a lead', () =>
    Promise.resolve(b.leader === 'relay-a' ? true : undefined),
  );
  const cut = Date.now();
  await proxy.down();
  const reason = await a.lost;
  assert.match(reason, /renew deadline/);
  assert.equal(a.leading, false);
  assert.throws(() => a.permit('POST', '/api/v1/namespaces/x/events'), NotLeader);
  await b.acquired;
  const lost = seen.find((s) => s.who === 'relay-a' && s.state === 'lost');
  const acquired = seen.find((s) => s.who === 'relay-b' && s.state === 'leading');
  assert.ok(lost && acquired);
  assert.ok(lost.at - cut <= TIMING.renewDeadlineMs + 100, `fenced ${lost.at - cut} ms after the cut`);
  // The follower waits out the lease from when it saw the last renewal: at least the 0.5 s margin later.
  assert.ok(
    acquired.at - lost.at >= TIMING.leaseDurationMs - TIMING.renewDeadlineMs - 100,
    `the follower took over ${acquired.at - lost.at} ms after the leader fenced itself`,
  );
  // Even with its connection back, a leader that lost never writes again.
  await proxy.up();
  await sleep(TIMING.retryPeriodMs * 3);
  assert.equal(a.leading, false);
  assert.equal((await readLease('fence')).holderIdentity, 'relay-b');
  await proxy.close();
});
