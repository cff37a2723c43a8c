// E2e: /readyz follows whether the relay can reach the apiserver now, not only whether its caches synced once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually } from '../support/kube.ts';
import type { RelayEnv } from '../support/relay-env.ts';
import { startRelayEnv, WEBSITE_RECONCILER } from '../support/relay-env.ts';

const UNREACHABLE_AFTER_MS = 2000;
let env: RelayEnv;

before(async () => {
  env = await startRelayEnv({
    name: 'readyz',
    reconcilers: [WEBSITE_RECONCILER],
    apiserverProxy: true,
    relayOptions: { apiserverUnreachableAfterMs: UNREACHABLE_AFTER_MS },
  });
});
after(async () => {
  await env.apiserverProxy?.up();
  await env.stop();
});

async function readyz(): Promise<{ status: number; body: string }> {
  const response = await fetch(`${env.relay.url ?? ''}/readyz`);
  return { status: response.status, body: await response.text() };
}

test('/readyz turns 503 while the apiserver is unreachable, says why, and recovers once it answers again', async () => {
  const proxy = env.apiserverProxy;
  assert.ok(proxy);
  assert.equal((await readyz()).status, 200);
  const errorsBefore = await env.metric('zeroloop_apiserver_errors_total', { code: 'network' });

  await proxy.down();
  const downAt = performance.now();
  const notReady = await eventually(
    '/readyz 503',
    async () => {
      const r = await readyz();
      return r.status === 503 ? r : undefined;
    },
    60_000,
  );
  const tookMs = performance.now() - downAt;
  console.log(
    `readyz: 503 ${Math.round(tookMs)} ms after the apiserver became unreachable: ${notReady.body.trim()}`,
  );
  assert.match(notReady.body, /^not ready: apiserver calls and watches failing for \d+ ms \(last: /);
  assert.ok(tookMs >= UNREACHABLE_AFTER_MS, 'not before the bound');
  assert.ok((await env.metric('zeroloop_apiserver_errors_total', { code: 'network' })) > errorsBefore);
  assert.equal(await env.metric('zeroloop_apiserver_reachable'), 0);

  await proxy.up();
  await eventually('/readyz 200', async () => ((await readyz()).status === 200 ? true : undefined), 60_000);
  assert.equal(await env.metric('zeroloop_apiserver_reachable'), 1);
});
