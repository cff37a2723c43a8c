// Benchmarks leader election handover between relay processes: how long after a SIGKILL, and after a SIGTERM, of the leader the follower holds the Lease (median of N each).
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startControlPlane } from '../cluster/index.ts';
import { ELECTION_DEFAULTS, RETRY_JITTER } from '../relay/election/elector.ts';
import { Lease } from '../relay/election/lease.ts';
import { micros } from '../test/support/audit.ts';
import { controlPlaneAt } from '../test/support/cluster.ts';
import { eventually, TestKube } from '../test/support/kube.ts';
import type { RelayProcess } from '../test/support/relay-process.ts';
import { startRelayProcess } from '../test/support/relay-process.ts';
import { percentile } from './stats.ts';
import { MSG_LEADERSHIP_ACQUIRED } from '../relay/election/elector.ts';
import { createLogger, silentLogger } from '../relay/observe/log.ts';

/** Progress and result lines, in the relay's log shape. */
const log = createLogger({}, { component: 'bench.leader-takeover' });

const RUNS = Number(process.env.BENCH_RUNS ?? (process.argv.includes('--quick') ? 2 : 5));

const plane = await startControlPlane({ logger: silentLogger, handleSignals: false });
const relays: RelayProcess[] = [];
try {
  const kube = new TestKube((await controlPlaneAt(plane.kubeconfigPath)).restConfig);
  const namespace = `zl-bench-le-${randomBytes(3).toString('hex')}`;
  await kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  // The relay is ready once its Reconciler list is synced, which needs the CRD.
  await kube.applyFile(new URL('../deploy/crds/reconcilers.zeroloop.dev.yaml', import.meta.url));
  let serial = 0;
  /** A relay process with election on; it runs no Reconciler (the selector matches none): only the handover is timed. */
  const replica = async (): Promise<RelayProcess> => {
    const relay = await startRelayProcess({
      kubeconfigPath: plane.kubeconfigPath,
      selector: 'zeroloop.dev/bench=none',
      env: { LEADER_ELECTION: 'true', POD_NAME: `relay-${String(serial++)}`, POD_NAMESPACE: namespace },
    });
    relays.push(relay);
    return relay;
  };
  const holder = async () => {
    const lease = Lease.parse(
      await kube.client.request(
        'GET',
        `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/zeroloop-relay`,
      ),
    );
    return lease.spec ?? {};
  };
  const leads = (relay: RelayProcess) => relay.lines.some((l) => l.msg === MSG_LEADERSHIP_ACQUIRED);
  let leader = await replica();
  await eventually(
    'the first relay to lead',
    () => Promise.resolve(leads(leader) ? true : undefined),
    60_000,
  );
  let follower = await replica();
  const sigkillMs: number[] = [];
  const sigtermMs: number[] = [];
  for (let i = 0; i < RUNS * 2; i++) {
    const signal = i % 2 === 0 ? 'SIGKILL' : 'SIGTERM';
    // The follower has seen the leader renew at least once.
    await eventually('the follower to see the leader', async () =>
      (await (await fetch(`${follower.base}/readyz`)).text()).includes(`leader: relay-`) ? true : undefined,
    );
    // At a random phase of the follower's retry cycle, as a real crash or rollout would be.
    const phaseMs = Math.round(Math.random() * ELECTION_DEFAULTS.retryPeriodMs * (1 + RETRY_JITTER));
    await sleep(phaseMs);
    const sentAt = Date.now();
    await leader.kill(signal);
    const next = follower;
    await eventually(
      'the follower to take over',
      () => Promise.resolve(leads(next) ? true : undefined),
      60_000,
    );
    const spec = await holder();
    const ms = Math.round(micros(spec.acquireTime ?? '') / 1000 - sentAt);
    (signal === 'SIGKILL' ? sigkillMs : sigtermMs).push(ms);
    log.info('bench.takeover', { signal, ms, phaseMs, holder: spec.holderIdentity });
    leader = next;
    follower = await replica();
  }
  const summary = (samples: number[]) => ({
    samples,
    medianMs: percentile(samples, 50),
    minMs: Math.min(...samples),
    maxMs: Math.max(...samples),
  });
  const result = {
    benchmark: 'leader-takeover',
    date: new Date().toISOString(),
    what: "time from signalling the leading relay process until the follower's acquireTime in the Lease (2 relay processes, no Reconciler running, a private control plane)",
    command: 'npm run bench -- leader-takeover',
    timings: ELECTION_DEFAULTS,
    machine: {
      cpus: availableParallelism(),
      loadavg1mAtEnd: Math.round((loadavg()[0] ?? 0) * 10) / 10,
      node: process.version,
    },
    sigkill: summary(sigkillMs),
    sigterm: summary(sigtermMs),
  };
  const dir = join(import.meta.dirname, 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'leader-takeover.json'), `${JSON.stringify(result, null, 2)}\n`);
  const md = [
    '# Leader election takeover',
    '',
    `${result.date}, \`${result.command}\`, ${String(result.machine.cpus)} cores, load ${String(result.machine.loadavg1mAtEnd)} at the end.`,
    `Lease ${String(ELECTION_DEFAULTS.leaseDurationMs)} ms, renew deadline ${String(ELECTION_DEFAULTS.renewDeadlineMs)} ms, retry ${String(ELECTION_DEFAULTS.retryPeriodMs)} ms (the relay's defaults).`,
    `Measured: ${result.what}.`,
    '',
    '| leader stopped by | runs | median | min | max |',
    '|---|---|---|---|---|',
    ...(['sigkill', 'sigterm'] as const).map((k) => {
      const s = result[k];
      return `| ${k.toUpperCase()} | ${String(s.samples.length)} | ${String(s.medianMs)} ms | ${String(s.minMs)} ms | ${String(s.maxMs)} ms |`;
    }),
    '',
    'After a SIGKILL the follower waits out the lease from when it last saw a renewal (renewals every 2 s,',
    `reads every 2–2.4 s), so a takeover lands between about ${String((ELECTION_DEFAULTS.leaseDurationMs - 2000) / 1000)} and ${String((ELECTION_DEFAULTS.leaseDurationMs + 2400) / 1000)} s; after a SIGTERM the leader`,
    'releases the Lease and the follower takes it at its next retry. Each signal is sent at a random',
    "point (0–2.4 s) after the follower's /readyz first names the leader, so across runs it lands at any",
    "phase of the follower's retry cycle, as a crash or a rollout would.",
    '',
  ].join('\n');
  await writeFile(join(dir, 'leader-takeover.md'), md);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  for (const relay of relays) await relay.kill('SIGKILL');
  await plane.stop();
}
