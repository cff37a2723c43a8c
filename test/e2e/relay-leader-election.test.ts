// E2e HA: two relay processes elect a leader on a Lease; the leader is SIGKILLed mid-burst of 300 Websites, then the next one SIGTERMed mid-burst; takeovers are measured, all converge, and the apiserver's audit log proves no two relays ever wrote at once.
//
// A private control plane (not the shared one) because the proof needs kube-apiserver's audit log:
// every write's User-Agent (`zeroloop-relay/<POD_NAME>`, one per relay) and when the apiserver
// received and answered it.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ControlPlane } from '../../cluster/index.ts';
import { startControlPlane } from '../../cluster/index.ts';
import { ELECTION_DEFAULTS, RETRY_JITTER } from '../../relay/election/elector.ts';
import { Lease } from '../../relay/election/lease.ts';
import type { RunningWorker } from '../../worker/testing/harness.ts';
import { startWorker } from '../../worker/testing/harness.ts';
import type { AuditedWrite } from '../support/audit.ts';
import { auditedWrites, auditFlags, micros } from '../support/audit.ts';
import { controlPlaneAt } from '../support/cluster.ts';
import { eventually, TestKube } from '../support/kube.ts';
import type { RelayProcess } from '../support/relay-process.ts';
import { startRelayProcess } from '../support/relay-process.ts';
import { prepareNamespace, reconcilerManifest, WEBSITE_RECONCILER } from '../support/relay-env.ts';
import { burstNames, createWebsites, waitConverged } from '../support/websites.ts';
import { MSG_RECONCILED } from '../../relay/controller/reporter.ts';
import { MSG_LEADERSHIP_ACQUIRED, MSG_LEADERSHIP_RELEASED } from '../../relay/election/elector.ts';

const COUNT = 300;
const SECOND_BURST = 100;
const LEASE = 'zeroloop-relay';
const AGENT = 'zeroloop-relay/';

let dir: string;
let plane: ControlPlane;
let auditLog: string;
let kube: TestKube;
let namespace: string;
let worker: RunningWorker;
const relays: RelayProcess[] = [];
/** The relay leading after the first test (relay-b). */
let leader: RelayProcess | undefined;
/** Takeover times measured here, printed at the end. */
const figures: Record<string, number> = {};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zl-ha-'));
  const audit = await auditFlags(dir);
  auditLog = audit.logPath;
  plane = await startControlPlane({ handleSignals: false, apiserverExtraArgs: audit.args });
  const at = await controlPlaneAt(plane.kubeconfigPath);
  kube = new TestKube(at.restConfig);
  namespace = await prepareNamespace(kube, 'zl-ha');
  worker = await startWorker();
  await kube.apply(reconcilerManifest(WEBSITE_RECONCILER, namespace, worker.url.origin));
});
after(async () => {
  for (const relay of relays) await relay.kill('SIGKILL');
  await worker.close();
  await plane.stop();
  await rm(dir, { recursive: true, force: true });
  console.log(`leader election takeovers: ${JSON.stringify(figures)}`);
});

/** A relay process with leader election on, as the Deployment runs it (POD_NAME from the downward API). */
async function startReplica(podName: string): Promise<RelayProcess> {
  const relay = await startRelayProcess({
    kubeconfigPath: plane.kubeconfigPath,
    selector: `zeroloop.dev/test=${namespace}`,
    env: { LEADER_ELECTION: 'true', POD_NAME: podName, POD_NAMESPACE: namespace },
  });
  relays.push(relay);
  return relay;
}

async function readLease(): Promise<NonNullable<Lease['spec']>> {
  const lease = Lease.parse(
    await kube.client.request('GET', `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/${LEASE}`),
  );
  return lease.spec ?? {};
}

const acquired = (relay: RelayProcess) =>
  eventually(
    'the relay to acquire the Lease',
    () => Promise.resolve(relay.lines.find((l) => l.msg === MSG_LEADERSHIP_ACQUIRED)),
    60_000,
  );
const reconciled = (relay: RelayProcess) => relay.lines.filter((l) => l.msg === MSG_RECONCILED).length;
const readyz = async (relay: RelayProcess) => (await fetch(`${relay.base}/readyz`)).text();

/** The relays' writes (not their Lease's), from the audit log. */
async function relayWrites(): Promise<AuditedWrite[]> {
  return (await auditedWrites(auditLog)).filter(
    (w) => w.userAgent.startsWith(AGENT) && w.resource !== 'leases',
  );
}

/**
 * Splits the writes, in the order the apiserver received them, into runs by the same relay, and
 * checks the runs never overlap: each relay's last write was answered before the next relay's first
 * arrived, and no relay writes again after another took over.
 */
function assertOneWriterAtATime(writes: AuditedWrite[]): { agent: string; writes: number }[] {
  const sorted = [...writes].sort((a, b) => a.receivedAtUs - b.receivedAtUs);
  const runs: { agent: string; writes: number; firstUs: number; lastAnsweredUs: number }[] = [];
  for (const w of sorted) {
    const run = runs.at(-1);
    if (run?.agent === w.userAgent) {
      run.writes++;
      run.lastAnsweredUs = Math.max(run.lastAnsweredUs, w.answeredAtUs);
    } else
      runs.push({ agent: w.userAgent, writes: 1, firstUs: w.receivedAtUs, lastAnsweredUs: w.answeredAtUs });
  }
  const agents = runs.map((r) => r.agent);
  assert.equal(new Set(agents).size, agents.length, `writers interleaved: ${agents.join(' → ')}`);
  for (let i = 1; i < runs.length; i++) {
    const [before, next] = [runs[i - 1], runs[i]];
    assert.ok(before && next);
    assert.ok(
      before.lastAnsweredUs < next.firstUs,
      `${next.agent} wrote ${(before.lastAnsweredUs - next.firstUs) / 1000} ms before ${before.agent}'s last write was answered`,
    );
  }
  return runs.map((r) => ({ agent: r.agent, writes: r.writes }));
}

test(`the follower takes over from a leader SIGKILLed mid-burst of ${COUNT} Websites; all converge; one writer at a time`, async () => {
  const a = await startReplica('relay-a');
  await acquired(a);
  const b = await startReplica('relay-b');
  await eventually('relay-b to see relay-a lead', async () =>
    (await readyz(b)).includes('leader: relay-a') ? true : undefined,
  );
  assert.match(await readyz(a), /^ready: leading/);
  assert.equal(await a.metric('zeroloop_leader'), 1);
  assert.equal(await b.metric('zeroloop_leader'), 0);

  const names = burstNames('site', COUNT);
  const creating = createWebsites(kube, namespace, names);
  await eventually('relay-a to reconcile part of the burst', () =>
    Promise.resolve(reconciled(a) > 0 ? true : undefined),
  );
  await sleep(1000);
  const killedAt = Date.now();
  await a.kill('SIGKILL');
  const byA = reconciled(a);
  assert.ok(byA < COUNT, `killed mid-burst (relay-a reconciled ${byA})`);
  assert.equal(reconciled(b), 0, 'the follower reconciled nothing');

  await acquired(b);
  leader = b;
  const lease = await readLease();
  assert.equal(lease.holderIdentity, 'relay-b');
  assert.equal(lease.leaseTransitions, 1);
  // From the apiserver's side: the Lease's acquireTime (relay-b's clock, the same machine's).
  const takeoverMs = micros(lease.acquireTime ?? '') / 1000 - killedAt;
  figures.sigkillTakeoverMs = Math.round(takeoverMs);
  const { leaseDurationMs, retryPeriodMs } = ELECTION_DEFAULTS;
  // The follower waits out the lease from when it last SAW a renewal (up to one jittered retry
  // after it was written), so from the kill: between lease − retry and lease + jittered retry.
  assert.ok(
    takeoverMs > leaseDurationMs - retryPeriodMs - 500 &&
      takeoverMs < leaseDurationMs + retryPeriodMs * (1 + RETRY_JITTER) + 1000,
    `takeover ${Math.round(takeoverMs)} ms after the SIGKILL`,
  );
  assert.ok(
    takeoverMs < 15_000,
    `the follower takes over within 15 s of a crash: ${Math.round(takeoverMs)} ms`,
  );
  assert.equal(await b.metric('zeroloop_leader'), 1);
  assert.match(await readyz(b), /^ready: leading/);

  await creating;
  const convergedAt = await waitConverged(kube, namespace, names, 120_000);
  figures.sigkillConvergedAfterKillMs = convergedAt - killedAt;
  const writes = await relayWrites();
  const runs = assertOneWriterAtATime(writes);
  assert.deepEqual(
    runs.map((r) => r.agent),
    [`${AGENT}relay-a`, `${AGENT}relay-b`],
  );
  const firstByB = Math.min(
    ...writes.filter((w) => w.userAgent === `${AGENT}relay-b`).map((w) => w.receivedAtUs),
  );
  assert.ok(firstByB / 1000 > killedAt, 'relay-b wrote nothing while it followed');
  console.log(
    `SIGKILL: relay-a reconciled ${byA} then was killed; relay-b took over ${Math.round(takeoverMs)} ms later; ` +
      `writes by relay: ${JSON.stringify(runs)}; all ${COUNT} converged ${figures.sigkillConvergedAfterKillMs} ms after the kill`,
  );
});

test('on SIGTERM the leader finishes, releases the Lease, and a follower takes over in about a second', async () => {
  const b = leader;
  assert.ok(b, 'relay-b leads after the first test');
  const c = await startReplica('relay-c');
  await eventually('relay-c to see relay-b lead', async () =>
    (await readyz(c)).includes('leader: relay-b') ? true : undefined,
  );
  const before = reconciled(b);
  const names = burstNames('more', SECOND_BURST);
  const creating = createWebsites(kube, namespace, names);
  await eventually('relay-b to reconcile part of the second burst', () =>
    Promise.resolve(reconciled(b) > before ? true : undefined),
  );
  const termAt = Date.now();
  const exit = await b.kill('SIGTERM');
  assert.equal(exit.code, 0, 'graceful exit');
  assert.ok(b.lines.some((l) => l.msg === MSG_LEADERSHIP_RELEASED));
  await acquired(c);
  const lease = await readLease();
  assert.equal(lease.holderIdentity, 'relay-c');
  assert.equal(lease.leaseTransitions, 2);
  const takeoverMs = micros(lease.acquireTime ?? '') / 1000 - termAt;
  figures.sigtermTakeoverMs = Math.round(takeoverMs);
  const released = b.lines.find((l) => l.msg === MSG_LEADERSHIP_RELEASED);
  figures.sigtermReleaseToAcquireMs = Math.round(
    micros(lease.acquireTime ?? '') / 1000 - Date.parse(String(released?.time)),
  );
  assert.ok(takeoverMs < 5000, `takeover ${Math.round(takeoverMs)} ms after the SIGTERM`);

  await creating;
  await waitConverged(kube, namespace, [...burstNames('site', COUNT), ...names], 120_000);
  const runs = assertOneWriterAtATime(await relayWrites());
  assert.deepEqual(
    runs.map((r) => r.agent),
    [`${AGENT}relay-a`, `${AGENT}relay-b`, `${AGENT}relay-c`],
  );
  console.log(
    `SIGTERM: relay-c took over ${figures.sigtermTakeoverMs} ms after the SIGTERM ` +
      `(${figures.sigtermReleaseToAcquireMs} ms after relay-b released); writes by relay: ${JSON.stringify(runs)}`,
  );
});
