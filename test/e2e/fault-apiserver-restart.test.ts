// E2e fault: kube-apiserver and etcd restart (same port, data kept) during a burst of 100 Websites; all converge, and those converged before are not reconciled again.
//
// The restart would break every other test file's watches and requests, so this test starts a PRIVATE
// control plane instead of using the shared one. Inside `npm test` the two planes run at the same time
// (about 1 GiB each, within the machine's memory): preferred over disturbing the shared plane.
//
// Also measured, not asserted: while the apiserver is down the relay keeps taking the unconverged
// primaries from the queue on their per-key backoff, and each attempt calls the worker before its
// apply fails (unlike an unreachable worker, an unreachable apiserver parks nothing).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ControlPlane } from '../../cluster/index.ts';
import { startControlPlane } from '../../cluster/index.ts';
import { controlPlaneAt } from '../support/cluster.ts';
import type { RelayEnv } from '../support/relay-env.ts';
import { startRelayEnv, WEBSITE_RECONCILER } from '../support/relay-env.ts';
import {
  burstNames,
  convergedWebsites,
  createWebsites,
  settledCount,
  waitConverged,
} from '../support/websites.ts';
import { MSG_RECONCILED, MSG_RECONCILE_FAILED } from '../../relay/controller/reporter.ts';

const COUNT = 100;
/** Restart once this many Websites have been reconciled: mid-burst. */
const RESTART_AFTER = 30;

let plane: ControlPlane;
let env: RelayEnv;
before(async () => {
  plane = await startControlPlane({ handleSignals: false });
  env = await startRelayEnv({
    name: 'fault-apiserver',
    reconcilers: [WEBSITE_RECONCILER],
    plane: await controlPlaneAt(plane.kubeconfigPath),
  });
});
after(async () => {
  await env.stop();
  await plane.stop();
});

/** The relay's log lines from index `from` on, parsed, with message `msg`. */
const logged = (msg: string, from = 0) =>
  env.logs
    .slice(from)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.msg === msg);
const nameOf = (line: Record<string, unknown>) => String(line.key).split('/')[1] ?? '';

test(`an apiserver and etcd restart during a burst of ${COUNT} Websites converges them, and does not reconcile those already converged`, async () => {
  const names = burstNames('site', COUNT);
  await createWebsites(env.kube, env.namespace, names);
  // Converged = its status written: a reconcile that creates the children leaves the status to the
  // next one (relay README, "A status follows the writes").
  const converging = () => logged(MSG_RECONCILED).filter((l) => l.statusWritten === true);
  while (converging().length < RESTART_AFTER) await sleep(20);
  const restartFrom = env.logs.length;
  const convergedBefore = new Set(converging().map(nameOf));
  const onServer = await convergedWebsites(env.kube, env.namespace);
  const notOnServer = [...convergedBefore].filter((n) => !onServer.has(n));
  assert.deepEqual(notOnServer, [], 'each Website the relay reconciled is converged on the server');
  const relistsBefore = await env.metric('zeroloop_relists_total');
  const workerCallsBefore = await env.metric('zeroloop_worker_requests_total');
  const pidsBefore = { ...plane.pids };
  const restartStarted = Date.now();
  await plane.restartApiserver({ etcd: true });
  const restartMs = Date.now() - restartStarted;
  const workerCallsDuringRestart = (await env.metric('zeroloop_worker_requests_total')) - workerCallsBefore;
  assert.notEqual(plane.pids.kubeApiserver, pidsBefore.kubeApiserver, 'a new kube-apiserver process');
  assert.notEqual(plane.pids.etcd, pidsBefore.etcd, 'a new etcd process');
  const convergedAt = await waitConverged(env.kube, env.namespace, names, 120_000);
  const total = await settledCount(() => env.metric('zeroloop_reconciles_total'), 3000);
  const since = [...logged(MSG_RECONCILED, restartFrom), ...logged(MSG_RECONCILE_FAILED, restartFrom)];
  const again = since.filter((l) => convergedBefore.has(nameOf(l)));
  const rest = since.filter((l) => !convergedBefore.has(nameOf(l)));
  const failures = new Map<string, number>();
  for (const l of rest.filter((l) => l.msg !== MSG_RECONCILED)) {
    const result = String(l.result);
    failures.set(result, (failures.get(result) ?? 0) + 1);
  }
  console.log(
    `fault: apiserver+etcd restart (${restartMs} ms until /readyz) with ${convergedBefore.size}/${COUNT} Websites converged: ` +
      `all converged ${convergedAt - restartStarted} ms after the restart began; ` +
      `reconciles after it: ${again.length} of the ${convergedBefore.size} already converged, ` +
      `${rest.length} of the other ${COUNT - convergedBefore.size} (${rest.filter((l) => l.msg !== MSG_RECONCILED).length} failed: ${JSON.stringify(Object.fromEntries(failures))}); ` +
      `worker calls while the apiserver was down ${workerCallsDuringRestart}; ` +
      `${total} reconciles in all; re-lists ${(await env.metric('zeroloop_relists_total')) - relistsBefore}`,
  );
  assert.deepEqual(
    again.map((l) => `${nameOf(l)} ${String(l.msg)} trigger=${String(l.trigger)}`),
    [],
    'no Website converged before the restart is reconciled after it',
  );
});
