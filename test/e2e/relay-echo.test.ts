// E2e: the calls a change costs. The relay's own writes wake nothing, writes that change nothing are not sent, another manager's change is taken back, a status left by a write is paid once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { INTENT_ANNOTATION } from '../../relay/apply/ownership.ts';
import type { KObject } from '../../relay/kube/object.ts';
import { eventually } from '../support/kube.ts';
import type { RelayEnv } from '../support/relay-env.ts';
import {
  CONFIGMAP,
  DEPLOYMENT,
  SERVICE,
  startRelayEnv,
  WEBSITE,
  WEBSITE_RECONCILER,
} from '../support/relay-env.ts';
import { MSG_RECONCILED } from '../../relay/controller/reporter.ts';

let env: RelayEnv;
before(async () => {
  env = await startRelayEnv({ name: 'echo', reconcilers: [WEBSITE_RECONCILER] });
});
after(async () => {
  await env.stop();
});

const reconciled = (name: string) => env.logLines(name, MSG_RECONCILED);

async function quiet(name: string, ms = 2000): Promise<Record<string, unknown>[]> {
  let count = reconciled(name).length;
  for (;;) {
    await sleep(ms);
    const now = reconciled(name).length;
    if (now === count) return reconciled(name);
    count = now;
  }
}

const htmlOf = (cm: KObject | undefined) => (cm?.data as Record<string, string> | undefined)?.['index.html'];

const children = (name: string) =>
  Promise.all(
    (
      [
        [DEPLOYMENT, name],
        [SERVICE, name],
        [CONFIGMAP, `${name}-html`],
      ] as const
    ).map(([kind, n]) =>
      eventually(`${kind.kind} ${n}`, () => env.kube.get(kind.apiVersion, kind.kind, env.namespace, n)),
    ),
  );

test('a created Website costs one reconcile that writes, then one that writes its status: the echoes of its three writes wake nothing', async () => {
  const echoesBefore = await env.metric('zeroloop_echoes_suppressed_total');
  await env.kube.create({
    ...WEBSITE,
    metadata: { name: 'once', namespace: env.namespace },
    spec: { replicas: 1, html: 'v1' },
  });
  const objs = await children('once');
  for (const o of objs)
    assert.ok(o.metadata.annotations?.[INTENT_ANNOTATION], `${o.kind} carries its intent hash`);
  const lines = await quiet('once');
  // No controller acts on the children here (no Deployment controller in this plane), so nothing
  // wakes the primary after its writes: the owed status enqueues it after the grace period, with
  // a written child as trigger. The status is computed from the children as the apiserver left them.
  assert.deepEqual(
    lines.map((l) => [l.trigger, l.applied, l.statusWritten, l.calls]),
    [
      ['primary', 3, false, 1],
      ['owned', 0, true, 1],
    ],
    `two reconciles of one call each, got ${JSON.stringify(lines.map((l) => l.trigger))}`,
  );
  const site = await env.kube.get(WEBSITE.apiVersion, WEBSITE.kind, env.namespace, 'once');
  const conditions = (site?.status as { conditions?: { type: string; reason: string }[] } | undefined)
    ?.conditions;
  assert.equal(
    conditions?.find((c) => c.type === 'Ready')?.reason,
    'RolloutInProgress',
    'the Deployment exists: not DeploymentPending',
  );
  assert.ok(
    (await env.metric('zeroloop_echoes_suppressed_total')) >= echoesBefore + 3,
    'three echoes recognised',
  );
});

test('a change by another field manager still triggers, is taken back, and its own echo wakes nothing', async () => {
  const before = reconciled('once').length;
  await env.kube.patch(CONFIGMAP.apiVersion, CONFIGMAP.kind, env.namespace, 'once-html', {
    data: { 'index.html': 'tampered' },
  });
  await eventually('the relay takes the field back', async () => {
    const cm = await env.kube.get(CONFIGMAP.apiVersion, CONFIGMAP.kind, env.namespace, 'once-html');
    return htmlOf(cm) === 'v1' ? true : undefined;
  });
  const lines = (await quiet('once')).slice(before);
  assert.deepEqual(
    lines.map((l) => [l.trigger, l.applied, l.calls]),
    [
      ['owned', 1, 1],
      ['owned', 0, 1],
    ],
    'one reconcile writes the ConfigMap back, the owed status is paid by one more',
  );
});

test('a spec change writes only what changed, and a restarted relay makes one call and no write', async () => {
  const before = reconciled('once').length;
  await env.kube.patch(WEBSITE.apiVersion, WEBSITE.kind, env.namespace, 'once', { spec: { html: 'v2' } });
  await eventually('ConfigMap v2', async () => {
    const cm = await env.kube.get(CONFIGMAP.apiVersion, CONFIGMAP.kind, env.namespace, 'once-html');
    return htmlOf(cm) === 'v2' ? true : undefined;
  });
  const lines = (await quiet('once')).slice(before);
  assert.deepEqual(
    lines.map((l) => [l.trigger, l.applied, l.calls]),
    [
      ['primary', 1, 1],
      ['owned', 0, 1],
    ],
  );

  const versions = (await children('once')).map((o) => o.metadata.resourceVersion);
  const calls = await env.metric('zeroloop_worker_requests_total');
  const start = env.logs.length;
  await env.restartRelay();
  const after = await eventually('the start-up reconcile', () => {
    const line = env.logs
      .slice(start)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.key === `${env.namespace}/once` && l.msg === MSG_RECONCILED);
    return Promise.resolve(line);
  });
  await sleep(1500);
  assert.deepEqual([after.applied, after.unchanged, after.statusWritten, after.calls], [0, 3, false, 1]);
  assert.equal(await env.metric('zeroloop_worker_requests_total'), 1, 'one worker call since the restart');
  assert.ok(calls >= 1);
  assert.deepEqual(
    (await children('once')).map((o) => o.metadata.resourceVersion),
    versions,
    'nothing written',
  );
});
