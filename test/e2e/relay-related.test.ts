// E2e: related objects. A Database's status follows the readiness of the Pods its selector matches, with no polling.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '../support/kube.ts';
import type { RelayEnv } from '../support/relay-env.ts';
import { DATABASE, DATABASE_RECONCILER, POD, startRelayEnv, STATEFULSET } from '../support/relay-env.ts';
import { MSG_FINALIZED, MSG_RECONCILED, MSG_RECONCILE_FAILED } from '../../relay/controller/reporter.ts';

let env: RelayEnv;
before(async () => {
  env = await startRelayEnv({ name: 'related', reconcilers: [DATABASE_RECONCILER] });
});
after(async () => {
  await env.stop();
});

interface DatabaseStatus {
  readyMembers?: number;
  conditions?: { type: string; status: string }[];
}
const statusOf = async (name: string) =>
  (await env.kube.get(DATABASE.apiVersion, DATABASE.kind, env.namespace, name))?.status as
    DatabaseStatus | undefined;

/** `reconciled` log lines of one primary, as triggers. */
const reconciles = (name: string) =>
  env.logs
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.msg === MSG_RECONCILED && l.key === `${env.namespace}/${name}`)
    .map((l) => String(l.trigger));

const pod = (name: string, labels: Record<string, string>) => ({
  ...POD,
  metadata: { name, namespace: env.namespace, labels },
  spec: { containers: [{ name: 'mongod', image: 'percona/percona-server-mongodb:7.0' }] },
});

async function setReady(pod: string, ready: boolean): Promise<void> {
  // No kubelet here: the test reports the Pod's readiness the way the kubelet would.
  await env.kube.patch(
    POD.apiVersion,
    POD.kind,
    env.namespace,
    pod,
    {
      status: {
        phase: ready ? 'Running' : 'Pending',
        conditions: [
          { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: new Date().toISOString() },
        ],
      },
    },
    'status',
  );
}

test('a Database status follows the readiness of its matching Pods, and a non-matching Pod triggers nothing', async () => {
  await env.kube.create({
    ...DATABASE,
    metadata: { name: 'orders', namespace: env.namespace },
    spec: { members: 1 },
  });
  await eventually('StatefulSet orders', () =>
    env.kube.get(STATEFULSET.apiVersion, STATEFULSET.kind, env.namespace, 'orders'),
  );
  // No StatefulSet controller Pods to rely on here: the test creates the member Pod itself.
  await env.kube.create(
    pod('orders-0', { 'app.kubernetes.io/name': 'database', 'app.kubernetes.io/instance': 'orders' }),
  );
  await eventually('a watch on Pods for the selector', () =>
    Promise.resolve(env.relay.informers.active().has(`v1/Pod@${env.namespace}`) ? true : undefined),
  );
  await eventually('readyMembers 0', async () =>
    (await statusOf('orders'))?.readyMembers === 0 ? true : undefined,
  );

  await setReady('orders-0', true);
  const ready = await eventually('Database Ready=True', async () => {
    const status = await statusOf('orders');
    return status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? status : undefined;
  });
  assert.equal(ready.readyMembers, 1);
  assert.ok(reconciles('orders').includes('related'), 'woken by the related Pod');

  const before = reconciles('orders').length;
  await env.kube.create(
    pod('stranger', { 'app.kubernetes.io/name': 'database', 'app.kubernetes.io/instance': 'other' }),
  );
  await setReady('stranger', true);
  await sleep(3000);
  assert.equal(reconciles('orders').length, before, 'a Pod that does not match triggers nothing');

  await setReady('orders-0', false);
  await eventually('readyMembers back to 0', async () =>
    (await statusOf('orders'))?.readyMembers === 0 ? true : undefined,
  );
});

test('after a relay restart the first request already carries the related Pods (no status flap)', async () => {
  await setReady('orders-0', true);
  await eventually('readyMembers 1', async () =>
    (await statusOf('orders'))?.readyMembers === 1 ? true : undefined,
  );
  const from = env.logs.length;
  await env.restartRelay();
  const first = await eventually('the first reconcile of orders after the restart', () =>
    Promise.resolve(
      env.logs
        .slice(from)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.msg === MSG_RECONCILED && l.key === `${env.namespace}/orders`),
    ),
  );
  assert.equal(first.related, 1, 'the matching Pod was in the request that was applied');
  assert.equal((await statusOf('orders'))?.readyMembers, 1);
});

test('deleting a Database keeps it until its StatefulSet is gone, even with the worker down meanwhile', async () => {
  await eventually('the finalizer on orders', async () => {
    const db = await env.kube.get(DATABASE.apiVersion, DATABASE.kind, env.namespace, 'orders');
    return db?.metadata.finalizers?.includes('zeroloop.dev/database') ? true : undefined;
  });
  await env.proxy.down();
  await env.kube.delete(DATABASE.apiVersion, DATABASE.kind, env.namespace, 'orders');
  await sleep(3000);
  const held = await env.kube.get(DATABASE.apiVersion, DATABASE.kind, env.namespace, 'orders');
  assert.ok(held?.metadata.deletionTimestamp, 'still there, being deleted');
  assert.ok(
    await env.kube.get(STATEFULSET.apiVersion, STATEFULSET.kind, env.namespace, 'orders'),
    'nothing deleted early while the worker is down',
  );
  await env.proxy.up();
  await eventually(
    'StatefulSet orders gone',
    async () =>
      (await env.kube.get(STATEFULSET.apiVersion, STATEFULSET.kind, env.namespace, 'orders')) === undefined
        ? true
        : undefined,
    60_000,
  );
  await eventually(
    'Database orders gone',
    async () =>
      (await env.kube.get(DATABASE.apiVersion, DATABASE.kind, env.namespace, 'orders')) === undefined
        ? true
        : undefined,
    60_000,
  );
  const lines = env.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.ok(lines.some((l) => l.msg === MSG_FINALIZED && l.key === `${env.namespace}/orders`));
  assert.ok(lines.some((l) => l.msg === MSG_RECONCILE_FAILED && l.result === 'worker_unavailable'));
});
