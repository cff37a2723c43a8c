// E2e: a relay restart reconciles each primary once; a watch cut forces a re-list that loses nothing and re-enqueues nothing unchanged.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '../support/kube.ts';
import type { RelayEnv } from '../support/relay-env.ts';
import { CONFIGMAP, DEPLOYMENT, startRelayEnv, WEBSITE, WEBSITE_RECONCILER } from '../support/relay-env.ts';
import { MSG_RECONCILED } from '../../relay/controller/reporter.ts';

let env: RelayEnv;
const NAMES = ['a', 'b', 'c', 'd', 'e'];

before(async () => {
  env = await startRelayEnv({ name: 'restart', reconcilers: [WEBSITE_RECONCILER], apiserverProxy: true });
  for (const name of NAMES) {
    await env.kube.create({
      ...WEBSITE,
      metadata: { name, namespace: env.namespace },
      spec: { html: `${name}0` },
    });
  }
  for (const name of NAMES) {
    await eventually(`ConfigMap ${name}-html`, () =>
      env.kube.get(CONFIGMAP.apiVersion, CONFIGMAP.kind, env.namespace, `${name}-html`),
    );
  }
});
after(async () => {
  await env.stop();
});

/** Waits until the relay's reconcile count stops moving, and returns it. */
async function settled(quietMs = 2000): Promise<number> {
  let last = await env.metric('zeroloop_reconciles_total');
  for (;;) {
    await sleep(quietMs);
    const now = await env.metric('zeroloop_reconciles_total');
    if (now === last && (await env.metric('zeroloop_queue_depth')) === 0) return now;
    last = now;
  }
}

const htmlOf = async (name: string) =>
  (
    (await env.kube.get(CONFIGMAP.apiVersion, CONFIGMAP.kind, env.namespace, `${name}-html`))?.data as
      Record<string, string> | undefined
  )?.['index.html'];

/** `reconciled` log lines since `from`, as [key name, trigger]. */
function reconciledSince(from: number): [string, string][] {
  return env.logs
    .slice(from)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.msg === MSG_RECONCILED)
    .map((l) => [String(l.key).split('/')[1] ?? '', String(l.trigger)]);
}

const count = (lines: [string, string][], name: string, trigger: string) =>
  lines.filter(([n, t]) => n === name && t === trigger).length;

test('a relay restart reconciles each existing primary once and converges, including changes made while it was down', async () => {
  await settled();
  await env.relay.stop();
  await env.kube.patch(WEBSITE.apiVersion, WEBSITE.kind, env.namespace, 'a', { spec: { html: 'a1' } });
  const from = env.logs.length;
  await env.restartRelay();
  await eventually('ConfigMap a-html = a1', async () => ((await htmlOf('a')) === 'a1' ? true : undefined));
  const total = await settled();
  const lines = reconciledSince(from);
  // Exactly one startup reconcile per Website. Any other reconcile of the fresh relay was woken by
  // an owned object that really changed (the ConfigMap it rewrote, the Deployment controller's
  // status updates): there is no resync.
  for (const name of NAMES) {
    assert.equal(
      count(lines, name, 'primary'),
      1,
      `${name}: one startup reconcile; log since restart:\n${env.logs.slice(from).join('\n')}`,
    );
  }
  assert.equal(lines.length, total, 'every reconcile succeeded');
  assert.equal(
    lines.filter(([, t]) => t !== 'primary' && t !== 'owned').length,
    0,
    'nothing but the startup pass and owned-object changes',
  );
  console.log(
    `restart: ${total} reconciles (${lines.filter(([, t]) => t === 'owned').length} from owned changes)`,
  );
});

test('a cut watch re-lists, applies what changed meanwhile, and does not re-enqueue unchanged primaries', async () => {
  const proxy = env.apiserverProxy;
  assert.ok(proxy);
  await settled();
  const relistsBefore = await env.metric('zeroloop_relists_total');
  const from = env.logs.length;
  await proxy.down();
  // While the relay is cut off: one Website changes, one disappears, three stay as they are.
  await env.kube.patch(WEBSITE.apiVersion, WEBSITE.kind, env.namespace, 'b', { spec: { html: 'b1' } });
  await env.kube.delete(WEBSITE.apiVersion, WEBSITE.kind, env.namespace, 'c');
  await sleep(1500);
  await proxy.up();
  await eventually(
    'ConfigMap b-html = b1',
    async () => ((await htmlOf('b')) === 'b1' ? true : undefined),
    60_000,
  );
  await settled();
  assert.ok((await env.metric('zeroloop_relists_total')) > relistsBefore, 're-listed');
  const lines = reconciledSince(from);
  assert.equal(count(lines, 'b', 'primary'), 1, 'the changed Website was reconciled once for its change');
  for (const name of ['a', 'c', 'd', 'e']) {
    assert.equal(count(lines, name, 'primary'), 0, `${name} was not re-enqueued by the re-list`);
  }
  assert.ok(await env.kube.get(DEPLOYMENT.apiVersion, DEPLOYMENT.kind, env.namespace, 'd'));
});
