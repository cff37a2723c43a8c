// E2e: idle is free. 20 converged Websites cost 0 reconciles and 0 worker requests over 30 s; a requeue-after gets its timers.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '../support/kube.ts';
import type { RelayEnv } from '../support/relay-env.ts';
import {
  CONFIGMAP,
  DATABASE,
  DATABASE_RECONCILER,
  FAULTY,
  FAULTY_RECONCILER,
  POD,
  startRelayEnv,
  WEBSITE,
  WEBSITE_RECONCILER,
} from '../support/relay-env.ts';

const IDLE_MS = 30_000;
const TIMER_MS = 3000;
let env: RelayEnv;

before(async () => {
  env = await startRelayEnv({
    name: 'idle',
    reconcilers: [WEBSITE_RECONCILER, FAULTY_RECONCILER, DATABASE_RECONCILER],
  });
});
after(async () => {
  await env.stop();
});

test('30 s of idle with 20 converged Websites and 20 Databases with their Pods produce 0 reconciles and 0 worker requests; a requeue-after gets exactly its timers', async () => {
  const website = { reconciler: `${env.namespace}-website` };
  const database = { reconciler: `${env.namespace}-database` };
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
  for (let i = 0; i < 20; i++) {
    const name = `db-${i}`;
    await env.kube.create({
      ...DATABASE,
      metadata: { name, namespace: env.namespace },
      spec: { members: 1 },
    });
    // No kubelet: the test creates each member Pod and reports it ready.
    await env.kube.create({
      ...POD,
      metadata: {
        name: `${name}-0`,
        namespace: env.namespace,
        labels: { 'app.kubernetes.io/name': 'database', 'app.kubernetes.io/instance': name },
      },
      spec: { containers: [{ name: 'mongod', image: 'percona/percona-server-mongodb:7.0' }] },
    });
    await env.kube.patch(
      POD.apiVersion,
      POD.kind,
      env.namespace,
      `${name}-0`,
      { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } },
      'status',
    );
  }
  for (let i = 0; i < 20; i++) {
    await eventually(`Database db-${i} ready`, async () => {
      const db = await env.kube.get(DATABASE.apiVersion, DATABASE.kind, env.namespace, `db-${i}`);
      return (db?.status as { readyMembers?: number } | undefined)?.readyMembers === 1 ? true : undefined;
    });
  }
  await env.kube.create({
    ...FAULTY,
    metadata: { name: 'timer', namespace: env.namespace },
    spec: { mode: 'requeue', requeueAfterMs: TIMER_MS },
  });
  // Converged: no Website or Database reconcile for 5 s in a row.
  await env.settled([website, database]);
  const before = {
    reconciles: await env.metric('zeroloop_reconciles_total', website),
    requests: await env.metric('zeroloop_worker_requests_total', website),
    dbReconciles: await env.metric('zeroloop_reconciles_total', database),
    dbRequests: await env.metric('zeroloop_worker_requests_total', database),
    timerReconciles: await env.metric('zeroloop_reconciles_total', faulty),
    timerRequests: await env.metric('zeroloop_worker_requests_total', faulty),
    timers: await env.metric('zeroloop_requeue_after_scheduled_total', faulty),
  };
  await sleep(IDLE_MS);
  const reconciles = (await env.metric('zeroloop_reconciles_total', website)) - before.reconciles;
  const requests = (await env.metric('zeroloop_worker_requests_total', website)) - before.requests;
  const dbReconciles = (await env.metric('zeroloop_reconciles_total', database)) - before.dbReconciles;
  const dbRequests = (await env.metric('zeroloop_worker_requests_total', database)) - before.dbRequests;
  const timerReconciles = (await env.metric('zeroloop_reconciles_total', faulty)) - before.timerReconciles;
  const timerRequests = (await env.metric('zeroloop_worker_requests_total', faulty)) - before.timerRequests;
  const timers = (await env.metric('zeroloop_requeue_after_scheduled_total', faulty)) - before.timers;
  console.log(
    `idle ${IDLE_MS / 1000} s: websites ${reconciles} reconciles, ${requests} worker requests; ` +
      `databases ${dbReconciles} reconciles, ${dbRequests} worker requests; ` +
      `requeue-after ${TIMER_MS} ms: ${timerReconciles} reconciles, ${timerRequests} requests, ${timers} timers`,
  );
  assert.equal(reconciles, 0);
  assert.equal(requests, 0);
  assert.equal(dbReconciles, 0);
  assert.equal(dbRequests, 0);
  const expected = IDLE_MS / TIMER_MS;
  assert.ok(
    Math.abs(timerReconciles - expected) <= 1,
    `expected ${expected}±1 timer reconciles, got ${timerReconciles}`,
  );
  assert.equal(timerRequests, timerReconciles, 'one worker request per timer');
  assert.ok(Math.abs(timers - timerReconciles) <= 1, 'each reconcile re-armed exactly one timer');
});
