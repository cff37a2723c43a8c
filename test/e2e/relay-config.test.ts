// E2e (real control plane, real workerd, the website component): spec.config is validated against the descriptor's schema, and a change reconciles every primary once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReconcileRecord } from '../../relay/controller/controller.ts';
import { eventually } from '../support/kube.ts';
import type { RelayEnv } from '../support/relay-env.ts';
import { DEPLOYMENT, startRelayEnv, WEBSITE, WEBSITE_RECONCILER } from '../support/relay-env.ts';
import { burstNames, createWebsites, waitConverged } from '../support/websites.ts';

const RECONCILER = { apiVersion: 'zeroloop.dev/v1alpha1', kind: 'Reconciler' } as const;
const COUNT = 6;
const names = burstNames('cfg', COUNT);

let env: RelayEnv;
const records: ReconcileRecord[] = [];
before(async () => {
  env = await startRelayEnv({ name: 'config', reconcilers: [WEBSITE_RECONCILER] });
  env.relay.manager.onReconcile.add((r) => {
    records.push(r);
  });
  await createWebsites(env.kube, env.namespace, names);
  await waitConverged(env.kube, env.namespace, names, 60_000);
  await quiet();
});
after(async () => {
  await env.stop();
});

const reconcilerName = () => `${env.namespace}-website`;

/** Waits until no reconcile has finished for `ms`. */
async function quiet(ms = 2500): Promise<void> {
  let seen = records.length;
  for (;;) {
    await sleep(ms);
    if (records.length === seen) return;
    seen = records.length;
  }
}

async function readyCondition(): Promise<{ status: string; reason: string; message: string } | undefined> {
  const obj = await env.kube.get(RECONCILER.apiVersion, RECONCILER.kind, undefined, reconcilerName());
  const status = obj?.status as
    { conditions?: { type: string; status: string; reason: string; message: string }[] } | undefined;
  return status?.conditions?.find((c) => c.type === 'Ready');
}

const setConfig = (config: Record<string, unknown>) =>
  env.kube.patch(RECONCILER.apiVersion, RECONCILER.kind, undefined, reconcilerName(), { spec: { config } });

async function images(): Promise<Map<string, string | undefined>> {
  const out = new Map<string, string | undefined>();
  for (const name of names) {
    const d = await env.kube.get(DEPLOYMENT.apiVersion, DEPLOYMENT.kind, env.namespace, name);
    const spec = d?.spec as { template?: { spec?: { containers?: { image?: string }[] } } } | undefined;
    out.set(name, spec?.template?.spec?.containers?.[0]?.image);
  }
  return out;
}

test('a change of spec.config reconciles every Website exactly once, with the new config', async () => {
  const start = records.length;
  const controller = env.relay.manager.controllers.get(reconcilerName());
  await setConfig({ defaultImage: 'nginx:1.27-alpine' });
  await eventually('every Deployment runs the configured default image', async () =>
    [...(await images()).values()].every((i) => i === 'nginx:1.27-alpine') ? true : undefined,
  );
  await quiet();
  const byConfig = records.slice(start).filter((r) => r.trigger.type === 'primary');
  const perSite = new Map(
    names.map((n) => [n, byConfig.filter((r) => r.key === `${env.namespace}/${n}`).length]),
  );
  assert.deepEqual(
    [...perSite.values()],
    names.map(() => 1),
    `one reconcile each: ${JSON.stringify([...perSite])}`,
  );
  for (const r of byConfig) assert.deepEqual(r.request?.config, { defaultImage: 'nginx:1.27-alpine' });
  assert.equal(
    env.relay.manager.controllers.get(reconcilerName()),
    controller,
    'the controller was not restarted',
  );
  const lines = env.logs.filter((l) => l.includes('config changed; reconciling every primary'));
  assert.equal(lines.length, 1);
  assert.equal((JSON.parse(lines[0] ?? '{}') as { enqueued?: number }).enqueued, COUNT);
});

test('an invalid spec.config is a Ready=False InvalidConfig condition naming the field, and nothing reconciles until it is fixed', async () => {
  await setConfig({ maxReplicas: 1000 });
  const refused = await eventually('Ready=False InvalidConfig', async () => {
    const ready = await readyCondition();
    return ready?.reason === 'InvalidConfig' ? ready : undefined;
  });
  assert.equal(refused.status, 'False');
  assert.match(refused.message, /\/spec\/config\/maxReplicas/);
  const start = records.length;
  const first = names[0] ?? '';
  await env.kube.patch(WEBSITE.apiVersion, WEBSITE.kind, env.namespace, first, {
    spec: { html: 'while refused' },
  });
  await sleep(3000);
  assert.equal(records.length, start, 'no reconcile runs with a refused config');
  await setConfig({ maxReplicas: 5 });
  await eventually('Ready=True again', async () =>
    (await readyCondition())?.status === 'True' ? true : undefined,
  );
  await eventually('the Website changed meanwhile is reconciled', () =>
    Promise.resolve(
      records.slice(start).some((r) => r.key === `${env.namespace}/${first}`) ? true : undefined,
    ),
  );
});
