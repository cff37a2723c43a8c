// E2e fault: the worker is unreachable for 60 s during a burst of 100 Websites; all converge within seconds of its return.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RelayEnv } from '../support/relay-env.ts';
import { startRelayEnv, WEBSITE_RECONCILER } from '../support/relay-env.ts';
import { burstNames, convergedWebsites, createWebsites, waitConverged } from '../support/websites.ts';
import { MSG_REACHABLE_AGAIN } from '../../relay/controller/outages.ts';
import { MSG_RECONCILE_FAILED } from '../../relay/controller/reporter.ts';

const COUNT = 100;
const OUTAGE_MS = 60_000;
/** The relay's worker probe backoff cap (relay/controller/worker-gate.ts): the longest a return goes unnoticed. */
const PROBE_CAP_MS = 5000;

let env: RelayEnv;
before(async () => {
  env = await startRelayEnv({ name: 'fault-outage', reconcilers: [WEBSITE_RECONCILER] });
});
after(async () => {
  await env.stop();
});

/** The relay's log lines with message `msg`, parsed. */
const logged = (msg: string) =>
  env.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === msg);

test(`${COUNT} Websites created as the worker goes away for ${OUTAGE_MS / 1000} s converge soon after it returns`, async () => {
  const names = burstNames('site', COUNT);
  const creating = createWebsites(env.kube, env.namespace, names);
  await sleep(300);
  await env.proxy.down();
  const downAt = Date.now();
  await creating;
  const beforeOutage = (await convergedWebsites(env.kube, env.namespace)).size;
  await sleep(OUTAGE_MS - (Date.now() - downAt));
  const failedDuringOutage = logged(MSG_RECONCILE_FAILED).length;
  await env.proxy.up();
  const backAt = Date.now();
  const convergedAt = await waitConverged(env.kube, env.namespace, names, 60_000, 100);
  const afterMs = convergedAt - backAt;
  const released = logged(MSG_REACHABLE_AGAIN.worker).at(-1);
  assert.ok(released, 'the relay released its parked primaries');
  const releasedAfterMs = Date.parse(String(released.time)) - backAt;
  console.log(
    `fault: worker down ${Math.round((backAt - downAt) / 1000)} s during a burst of ${COUNT} ` +
      `(${beforeOutage} converged before the outage took hold, ${failedDuringOutage} reconciles failed reaching it, ` +
      `${String(released.parked)} parked): probe reopened the gate ${releasedAfterMs} ms after the worker's return, ` +
      `all converged ${afterMs} ms after it; bounded by the probe backoff cap (${PROBE_CAP_MS} ms) ` +
      `plus draining the parked primaries at concurrency ${WEBSITE_RECONCILER.concurrency ?? 4}`,
  );
  assert.ok(afterMs < 15_000, `converged within 15 s of the worker's return (took ${afterMs} ms)`);
  assert.ok(
    releasedAfterMs <= PROBE_CAP_MS + 1000,
    `the probe noticed within its cap (${releasedAfterMs} ms)`,
  );
  assert.equal(await env.metric('zeroloop_worker_reachable'), 1);
});
