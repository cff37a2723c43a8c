// E2e: a watch whose connection goes silent (the proxy freezes it) is detected as stalled, resumed on a fresh connection, and changes still reconcile.
//
// Why these settings: the apiserver bookmarks a quiet watch only once a minute, far above a bound
// short enough for a test. Watches that the server closes every WATCH_TIMEOUT_S seconds (a clean
// close, resumed at once) are never silent for STALL_MS while the connection is healthy, so any
// stall counted here comes from the freeze.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '../support/kube.ts';
import type { RelayEnv } from '../support/relay-env.ts';
import { CONFIGMAP, startRelayEnv, WEBSITE, WEBSITE_RECONCILER } from '../support/relay-env.ts';
import { MSG_WATCH_STALLED } from '../../relay/relay.ts';

const WATCH_TIMEOUT_S = 3;
const STALL_MS = 6000;

let env: RelayEnv;

before(async () => {
  env = await startRelayEnv({
    name: 'stall',
    reconcilers: [WEBSITE_RECONCILER],
    apiserverProxy: true,
    relayOptions: { watchTimeoutSeconds: WATCH_TIMEOUT_S, watchStallMs: STALL_MS },
  });
});
after(async () => {
  env.apiserverProxy?.resume();
  await env.stop();
});

const htmlOf = async (name: string) =>
  (
    (await env.kube.get(CONFIGMAP.apiVersion, CONFIGMAP.kind, env.namespace, `${name}-html`))?.data as
      Record<string, string> | undefined
  )?.['index.html'];

/** Polls the relay's metric every 50 ms until it exceeds `above`; returns the elapsed ms. */
async function msUntilAbove(name: string, above: number, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    if ((await env.metric(name)) > above) return performance.now() - started;
    await sleep(50);
  }
  throw new Error(`${name} stayed at ${above} for ${timeoutMs} ms`);
}

test('a frozen apiserver connection is detected as a watch stall, resumed without a re-list, and a later change reconciles', async () => {
  const proxy = env.apiserverProxy;
  assert.ok(proxy);
  await env.kube.create({
    ...WEBSITE,
    metadata: { name: 'a', namespace: env.namespace },
    spec: { html: 'a0' },
  });
  await eventually('ConfigMap a-html = a0', async () => ((await htmlOf('a')) === 'a0' ? true : undefined));

  await sleep(STALL_MS + 2000);
  assert.equal(
    await env.metric('zeroloop_watch_stalls_total'),
    0,
    'healthy quiet watches never count as stalled',
  );
  const relistsBefore = await env.metric('zeroloop_relists_total');
  const reconnectsBefore = await env.metric('zeroloop_apiserver_reconnects_total');

  const frozen = proxy.pause();
  assert.ok(frozen > 0, 'the relay had a connection open through the proxy');
  const detectedMs = await msUntilAbove('zeroloop_watch_stalls_total', 0, STALL_MS * 4);
  console.log(
    `watch-stall: detected ${Math.round(detectedMs)} ms after the connection froze ` +
      `(bound ${STALL_MS} ms; the watch's last delivery came up to ${WATCH_TIMEOUT_S} s before the freeze)`,
  );
  assert.ok(detectedMs <= STALL_MS + 3000, 'detected within the bound (plus polling slack)');
  assert.ok(
    (await env.metric('zeroloop_apiserver_reconnects_total')) > reconnectsBefore,
    'the stall replaced the connection',
  );

  // The frozen connection stays frozen: this change can only arrive over a fresh one.
  const changedAt = performance.now();
  await env.kube.patch(WEBSITE.apiVersion, WEBSITE.kind, env.namespace, 'a', { spec: { html: 'a1' } });
  await env.kube.create({
    ...WEBSITE,
    metadata: { name: 'b', namespace: env.namespace },
    spec: { html: 'b0' },
  });
  await eventually('ConfigMap a-html = a1', async () => ((await htmlOf('a')) === 'a1' ? true : undefined));
  await eventually('ConfigMap b-html = b0', async () => ((await htmlOf('b')) === 'b0' ? true : undefined));
  console.log(
    `watch-stall: changes after the stall reconciled in ${Math.round(performance.now() - changedAt)} ms`,
  );
  assert.equal(
    await env.metric('zeroloop_relists_total'),
    relistsBefore,
    'a stalled watch resumes from its resourceVersion; it does not re-list',
  );
  const silences = env.logs
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.msg === MSG_WATCH_STALLED)
    .map((l) => `${String(l.kind)} silent ${String(l.silentMs)} ms`);
  assert.ok(silences.length > 0, 'the stall is logged');
  console.log(`watch-stall: ${silences.join('; ')}`);
});
