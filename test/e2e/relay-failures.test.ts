// E2e: failures against the real worker in workerd (faulty fixture): worker down, 422, invalid answers, scope, requeue-after.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '../support/kube.ts';
import type { RelayEnv } from '../support/relay-env.ts';
import { CONFIGMAP, FAULTY, FAULTY_RECONCILER, startRelayEnv } from '../support/relay-env.ts';
import { MSG_RECONCILED, MSG_RECONCILE_FAILED } from '../../relay/controller/reporter.ts';

let env: RelayEnv;
before(async () => {
  env = await startRelayEnv({ name: 'failures', reconcilers: [FAULTY_RECONCILER] });
});
after(async () => {
  await env.stop();
});

const faulty = (name: string, spec: Record<string, unknown>) => ({
  ...FAULTY,
  metadata: { name, namespace: env.namespace },
  spec,
});

const configMap = (name: string) => env.kube.get(CONFIGMAP.apiVersion, CONFIGMAP.kind, env.namespace, name);

test('with the worker down the relay parks its primaries, probes the worker, and converges as soon as it is back', async () => {
  await env.proxy.down();
  await env.kube.create(faulty('down', { mode: 'ok' }));
  const message = await env.warning('down', 'WorkerUnavailable');
  assert.match(message, /ECONNREFUSED|refused|other side closed|fetch failed/);
  await eventually('the worker marked unreachable', async () =>
    (await env.metric('zeroloop_worker_reachable')) === 0 ? true : undefined,
  );
  // Parked, not spinning: no further reconcile reaches for the worker while it is down.
  const failed = env.logLines('down', MSG_RECONCILE_FAILED).length;
  await sleep(2000);
  assert.equal(
    env.logLines('down', MSG_RECONCILE_FAILED).length,
    failed,
    'no retries while the worker is down',
  );
  assert.equal(await configMap('down-faulty'), undefined);
  assert.ok((await env.metric('zeroloop_reconciles_total', { result: 'worker_unavailable' })) >= 1);
  const back = Date.now();
  await env.proxy.up();
  const cm = await eventually('ConfigMap down-faulty', () => configMap('down-faulty'), 30_000);
  const afterMs = Date.now() - back;
  console.log(`worker-down: converged ${afterMs} ms after the worker came back`);
  assert.ok(afterMs < 10_000, `converged within 10 s of the worker's return (took ${afterMs} ms)`);
  assert.deepEqual(cm.data, { mode: 'ok' });
  assert.equal(await env.metric('zeroloop_worker_reachable'), 1);
});

test('a 422 from the reconciler applies nothing and leaves a Warning Event', async () => {
  await env.kube.create(faulty('refused', { mode: 'err' }));
  const message = await env.warning('refused', 'ReconcilerFailed');
  assert.match(message, /mode err/);
  assert.equal(await configMap('refused-faulty'), undefined);
  const obj = await env.kube.get(FAULTY.apiVersion, FAULTY.kind, env.namespace, 'refused');
  assert.equal(obj?.status, undefined, 'no status written');
});

test('an invalid answer applies nothing and leaves a Warning Event', async () => {
  await env.kube.create(faulty('invalid', { mode: 'invalid', invalid: 'not-object' }));
  const message = await env.warning('invalid', 'InvalidAnswer');
  assert.ok(message.length > 0);
  assert.equal(await configMap('invalid-faulty'), undefined);
  const obj = await env.kube.get(FAULTY.apiVersion, FAULTY.kind, env.namespace, 'invalid');
  assert.equal(obj?.status, undefined);
});

test('an out-of-scope answer (a kind not owned, or another namespace) applies nothing and leaves a Warning Event', async () => {
  const before = await env.metric('zeroloop_scope_rejections_total');
  await env.kube.create(faulty('kind', { mode: 'out-of-scope', scope: 'kind' }));
  assert.match(await env.warning('kind', 'ScopeRejected'), /v1\/Secret is not in owns/);
  await env.kube.create(
    faulty('elsewhere', { mode: 'out-of-scope', scope: 'namespace', namespace: 'default' }),
  );
  assert.match(
    await env.warning('elsewhere', 'ScopeRejected'),
    /namespace default is not the primary's namespace/,
  );
  assert.equal(await env.kube.get('v1', 'Secret', env.namespace, 'kind-faulty'), undefined);
  assert.equal(await env.kube.get('v1', 'ConfigMap', 'default', 'elsewhere-faulty'), undefined);
  for (const name of ['kind', 'elsewhere']) {
    const obj = await env.kube.get(FAULTY.apiVersion, FAULTY.kind, env.namespace, name);
    assert.equal(obj?.status, undefined, `${name}: no status written`);
  }
  assert.ok((await env.metric('zeroloop_scope_rejections_total')) >= before + 2);
});

test('a reconciler that asks for requeue-after gets exactly its timers', async () => {
  // Stop the failing primaries first so their retries do not blur the counts.
  for (const name of ['refused', 'invalid', 'kind', 'elsewhere']) {
    await env.kube.delete(FAULTY.apiVersion, FAULTY.kind, env.namespace, name);
  }
  await env.kube.create(faulty('timer', { mode: 'requeue', requeueAfterMs: 1000 }));
  await eventually('first reconcile of timer', () =>
    Promise.resolve(env.logLines('timer', MSG_RECONCILED).length > 0 ? true : undefined),
  );
  await sleep(1500);
  const start = env.logLines('timer', MSG_RECONCILED).length;
  await sleep(5500);
  const runs = env.logLines('timer', MSG_RECONCILED).slice(start);
  assert.ok(
    runs.length >= 4 && runs.length <= 6,
    `expected ~5 timer reconciles in 5.5 s, got ${runs.length}`,
  );
  assert.deepEqual(
    runs.map((l) => l.trigger),
    runs.map(() => 'requeue'),
    'each was triggered by its timer',
  );
  assert.ok((await env.metric('zeroloop_requeue_after_scheduled_total')) >= runs.length);
  await env.kube.delete(FAULTY.apiVersion, FAULTY.kind, env.namespace, 'timer');
});

test('a Reconciler shows Ready=True once running, and Ready=False with the reason when its signing Secret is missing', async () => {
  const ready = (name: string) =>
    eventually(`Reconciler ${name} Ready condition`, async () => {
      const obj = await env.kube.get('zeroloop.dev/v1alpha1', 'Reconciler', undefined, name);
      const conditions = (
        obj?.status as { conditions?: { type: string; status: string; reason: string }[] } | undefined
      )?.conditions;
      return conditions?.find((c) => c.type === 'Ready');
    });
  const running = await ready(`${env.namespace}-faulty`);
  assert.deepEqual([running.status, running.reason], ['True', 'Running']);

  const name = `${env.namespace}-nosecret`;
  await env.kube.apply({
    apiVersion: 'zeroloop.dev/v1alpha1',
    kind: 'Reconciler',
    metadata: { name, labels: { 'zeroloop.dev/test': env.namespace } },
    spec: {
      reconciler: 'faulty',
      endpoint: env.proxy.url,
      signingSecretRef: { namespace: env.namespace, name: 'missing', key: 'secret' },
      primary: FAULTY,
      owns: [CONFIGMAP],
      namespaces: [env.namespace],
    },
  });
  const refused = await ready(name);
  assert.deepEqual([refused.status, refused.reason], ['False', 'SigningSecretUnavailable']);
  assert.equal(env.relay.manager.controllers.has(name), false, 'no controller runs without its secret');
  await env.kube.delete('zeroloop.dev/v1alpha1', 'Reconciler', undefined, name);
});
