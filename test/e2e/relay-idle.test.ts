// E2e: idle is free. 20 converged Websites cost 0 reconciles and 0 worker requests over 30 s; a requeue-after gets its timers.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '../support/kube.ts';
import type { RelayEnv } from '../support/relay-env.ts';
import {
  CONFIGMAP,
  FAULTY,
  FAULTY_RECONCILER,
  startRelayEnv,
  WEBSITE,
  WEBSITE_RECONCILER,
} from '../support/relay-env.ts';

const IDLE_MS = 30_000;
const TIMER_MS = 3000;
let env: RelayEnv;

before(async () => {
  env = await startRelayEnv({ name: 'idle', reconcilers: [WEBSITE_RECONCILER, FAULTY_RECONCILER] });
});
after(async () => {
  await env.stop();
});

test('30 s of idle with 20 converged Websites produce 0 reconciles and 0 worker requests; a requeue-after gets exactly its timers', async () => {
  const website = { reconciler: `${env.namespace}-website` };
  const faulty = { reconciler: `${env.namespace}-faulty` };
  for (let i = 0; i < 20; i++) {
    await env.kube.create({
      ...WEBSITE,
      metadata: { name: `site-${i}`, namespace: env.namespace },
      spec: { html: `<p>${i}</p>` },
    });
  }
  for (let i = 0; i < 20; i++) {
    await eventually(`ConfigMap site-${i}-html`, () =>
      env.kube.get(CONFIGMAP.apiVersion, CONFIGMAP.kind, env.namespace, `site-${i}-html`),
    );
  }
  await env.kube.create({
    ...FAULTY,
    metadata: { name: 'timer', namespace: env.namespace },
    spec: { mode: 'requeue', requeueAfterMs: TIMER_MS },
  });
  // Converged: no Website reconcile for 5 s in a row.
  let last = await env.metric('zeroloop_reconciles_total', website);
  for (;;) {
    await sleep(5000);
    const now = await env.metric('zeroloop_reconciles_total', website);
    if (now === last) break;
    last = now;
  }
  const before = {
    reconciles: await env.metric('zeroloop_reconciles_total', website),
    requests: await env.metric('zeroloop_worker_requests_total', website),
    timerReconciles: await env.metric('zeroloop_reconciles_total', faulty),
    timerRequests: await env.metric('zeroloop_worker_requests_total', faulty),
    timers: await env.metric('zeroloop_requeue_after_scheduled_total', faulty),
  };
  await sleep(IDLE_MS);
  const reconciles = (await env.metric('zeroloop_reconciles_total', website)) - before.reconciles;
  const requests = (await env.metric('zeroloop_worker_requests_total', website)) - before.requests;
  const timerReconciles = (await env.metric('zeroloop_reconciles_total', faulty)) - before.timerReconciles;
  const timerRequests = (await env.metric('zeroloop_worker_requests_total', faulty)) - before.timerRequests;
  const timers = (await env.metric('zeroloop_requeue_after_scheduled_total', faulty)) - before.timers;
  console.log(
    `idle ${IDLE_MS / 1000} s: websites ${reconciles} reconciles, ${requests} worker requests; ` +
      `requeue-after ${TIMER_MS} ms: ${timerReconciles} reconciles, ${timerRequests} requests, ${timers} timers`,
  );
  assert.equal(reconciles, 0);
  assert.equal(requests, 0);
  const expected = IDLE_MS / TIMER_MS;
  assert.ok(
    Math.abs(timerReconciles - expected) <= 1,
    `expected ${expected}±1 timer reconciles, got ${timerReconciles}`,
  );
  assert.equal(timerRequests, timerReconciles, 'one worker request per timer');
  assert.ok(Math.abs(timers - timerReconciles) <= 1, 'each reconcile re-armed exactly one timer');
});
