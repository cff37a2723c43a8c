// Unit tests of the elector's loop on a fake clock and an in-memory apiserver: acquire, follow and take over, lose a race (409), lose the Lease for good, step down.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../observe/log.ts';
import { FakeClock, flush } from '../testing/fake-clock.ts';
import { FakeKube } from '../testing/fake-kube.ts';
import { type ElectionState, LeaderElector, NotLeader } from './elector.ts';
import { LEASE_API, microTime } from './lease.ts';

const LEASE_PATH = `${LEASE_API}/namespaces/zeroloop/leases/relay`;
const TIMING = { leaseDurationMs: 12_000, renewDeadlineMs: 8000, retryPeriodMs: 2000 };

function elector(identity: string, kube: FakeKube, clock: FakeClock) {
  const states: ElectionState['state'][] = [];
  const e = new LeaderElector({
    namespace: 'zeroloop',
    name: 'relay',
    identity,
    ...TIMING,
    client: kube,
    clock,
    log: createLogger({ write: () => undefined }),
    random: () => 0,
    onTransition: (s) => states.push(s.state),
  });
  return { e, states };
}

const holder = (kube: FakeKube) =>
  (kube.objects.get(LEASE_PATH)?.spec as { holderIdentity?: string } | undefined)?.holderIdentity;

test('elector should create a missing Lease and lead, renewing it every retry period', async () => {
  const clock = new FakeClock();
  const kube = new FakeKube();
  const { e, states } = elector('relay-a', kube, clock);
  e.run();
  await e.acquired;
  assert.deepEqual(states, ['leading']);
  assert.equal(holder(kube), 'relay-a');
  assert.equal(e.leading, true);
  const rv = kube.objects.get(LEASE_PATH)?.metadata?.resourceVersion;
  await clock.advance(TIMING.retryPeriodMs);
  assert.notEqual(kube.objects.get(LEASE_PATH)?.metadata?.resourceVersion, rv, 'renewed');
  assert.equal(e.fenceRemainingMs(), TIMING.renewDeadlineMs);
  await e.stop({ release: false });
});

test('elector should follow while another relay holds the Lease, and take over once it expires', async () => {
  const clock = new FakeClock();
  const kube = new FakeKube();
  kube.put(LEASE_PATH, {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'relay', namespace: 'zeroloop' },
    spec: {
      holderIdentity: 'relay-b',
      leaseDurationSeconds: 12,
      renewTime: microTime(clock.now()),
      leaseTransitions: 3,
    },
  });
  const { e } = elector('relay-a', kube, clock);
  e.run();
  await flush();
  assert.equal(e.state.state, 'following');
  assert.equal(e.leader, 'relay-b');
  await assert.rejects(e.fence(kube).request('PATCH', '/x'), NotLeader);
  await clock.advance(TIMING.leaseDurationMs - 100);
  assert.equal(e.state.state, 'following', 'not before the lease expires');
  await clock.advance(200);
  assert.equal(e.state.state, 'leading');
  assert.equal(holder(kube), 'relay-a');
  assert.equal((kube.objects.get(LEASE_PATH)?.spec as { leaseTransitions: number }).leaseTransitions, 4);
  await e.stop({ release: false });
});

test('elector should keep following when another relay creates the Lease first (409)', async () => {
  const clock = new FakeClock();
  const kube = new FakeKube();
  kube.failWhen(
    (r) => r.method === 'POST',
    () => FakeKube.error('POST', LEASE_PATH, 409, 'AlreadyExists'),
  );
  const { e, states } = elector('relay-a', kube, clock);
  e.run();
  await flush();
  assert.equal(e.state.state, 'following');
  assert.deepEqual(states, []);
  // The next attempt finds no Lease (the fake dropped the other's create) and takes it.
  await clock.advance(TIMING.retryPeriodMs);
  assert.equal(e.state.state, 'leading');
  await e.stop({ release: false });
});

test('elector should lose the Lease for good when it cannot renew in time: the fence closes, lost resolves, the loop ends', async () => {
  const clock = new FakeClock();
  const kube = new FakeKube();
  const { e, states } = elector('relay-a', kube, clock);
  e.run();
  await e.acquired;
  const fenced = e.fence(kube);
  let lostReason: string | undefined;
  void e.lost.then((reason) => (lostReason = reason));
  kube.failWhen(
    () => true,
    () => FakeKube.error('PUT', LEASE_PATH, 0),
    Number.POSITIVE_INFINITY,
  );
  await clock.advance(TIMING.renewDeadlineMs - 1);
  assert.equal(e.leading, true, 'still inside the renew deadline');
  await clock.advance(1);
  assert.equal(e.state.state, 'lost');
  assert.match(lostReason ?? '', /renew deadline \(8000 ms\)/);
  assert.deepEqual(states, ['leading', 'lost']);
  await assert.rejects(
    fenced.request('PATCH', '/api/v1/namespaces/demo/configmaps/x', { body: {} }),
    NotLeader,
  );
  // The apiserver answers again, and the Lease is free: a lost leader never takes it back.
  kube.heal();
  const requests = kube.requests.length;
  kube.objects.delete(LEASE_PATH);
  await clock.advance(TIMING.leaseDurationMs * 3);
  assert.equal(e.state.state, 'lost');
  assert.ok(kube.requests.length - requests <= 1, 'the loop ended (at most the attempt in flight)');
  await e.stop({ release: true });
  assert.equal(kube.objects.has(LEASE_PATH), false, 'a lost leader releases nothing');
});

test('elector should step down on stop by writing an empty holder with a 1 s lease', async () => {
  const clock = new FakeClock();
  const kube = new FakeKube();
  const { e, states } = elector('relay-a', kube, clock);
  e.run();
  await e.acquired;
  let drained = false;
  await e.stop({
    release: true,
    drained: () => {
      drained = true;
      return Promise.resolve();
    },
  });
  assert.equal(drained, true, 'the release waits for the writes in flight');
  assert.deepEqual(states, ['leading', 'stopped']);
  const spec = kube.objects.get(LEASE_PATH)?.spec as { holderIdentity: string; leaseDurationSeconds: number };
  assert.equal(spec.holderIdentity, '');
  assert.equal(spec.leaseDurationSeconds, 1);
});
