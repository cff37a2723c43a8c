// E2e: a worker that speaks another protocol version (real workerd) refuses the relay's requests, and the relay (real control plane) marks the Reconciler Ready=False IncompatibleWorker, touching no primary.
//
// The worker is the test worker built with the next protocol version (worker/testing/other-protocol-entry.ts).
// It refuses each reconcile with 400 incompatible_protocol, running nothing, and states its version on
// the answer; the relay reads no answer of another protocol, sets the condition naming both versions
// and what to upgrade, records a Warning Event, and retries with backoff. Pointing the Reconciler at a
// worker of the relay's protocol (the "upgrade") brings it back to Ready and the Website converges.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { HEADERS, ROUTES } from '../../src/protocol/routes.ts';
import { PROTOCOL_VERSION } from '../../src/protocol/version.ts';
import type { RunningWorker } from '../../worker/testing/harness.ts';
import { OTHER_PROTOCOL_CONFIG, startWorker } from '../../worker/testing/harness.ts';
import { eventually } from '../support/kube.ts';
import type { RelayEnv } from '../support/relay-env.ts';
import { startRelayEnv, WEBSITE, WEBSITE_RECONCILER } from '../support/relay-env.ts';
import { WEBSITE_CHILDREN, waitConverged } from '../support/websites.ts';

const RECONCILER = { apiVersion: 'zeroloop.dev/v1alpha1', kind: 'Reconciler' } as const;
interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

let env: RelayEnv;
let upgraded: RunningWorker | undefined;

before(async () => {
  env = await startRelayEnv({
    name: 'incompat',
    reconcilers: [WEBSITE_RECONCILER],
    workerConfig: OTHER_PROTOCOL_CONFIG,
  });
});

after(async () => {
  await env.stop();
  await upgraded?.close();
});

const reconcilerName = () => `${env.namespace}-website`;

function waitReady(status: 'True' | 'False', reason: string): Promise<Condition> {
  return eventually(
    `Reconciler ${reconcilerName()} Ready=${status} ${reason}`,
    async () => {
      const obj = await env.kube.get(RECONCILER.apiVersion, RECONCILER.kind, undefined, reconcilerName());
      const ready = (obj?.status as { conditions?: Condition[] } | undefined)?.conditions?.find(
        (c) => c.type === 'Ready',
      );
      return ready?.status === status && ready.reason === reason ? ready : undefined;
    },
    60_000,
  );
}

async function ownedChildren(): Promise<string[]> {
  const children: string[] = [];
  for (const kind of WEBSITE_CHILDREN) {
    const items = await env.kube.list(kind.apiVersion, kind.kind, env.namespace, 'zeroloop.dev/owner');
    children.push(...items.map((o) => `${kind.kind}/${o.metadata.name}`));
  }
  return children;
}

test('a worker of another protocol version: Ready=False IncompatibleWorker naming both versions, no primary touched', async () => {
  // The version the worker states on its answers (its entry cannot be imported here: it imports wasm).
  const health = await env.worker.fetch('/healthz');
  const theirs = Number(health.headers.get(HEADERS.protocol));
  assert.ok(
    Number.isInteger(theirs) && theirs > PROTOCOL_VERSION,
    `the worker speaks a newer protocol (${String(theirs)})`,
  );
  const created = await env.kube.create({
    ...WEBSITE,
    metadata: { name: 'site', namespace: env.namespace },
    spec: { html: 'hi' },
  });

  const ready = await waitReady('False', 'IncompatibleWorker');
  assert.match(
    ready.message,
    new RegExp(
      `speaks zeroloop protocol ${String(theirs)}, this relay speaks protocol ${PROTOCOL_VERSION}: upgrade the relay so both speak the same protocol`,
    ),
  );
  assert.ok(ready.message.includes(env.proxy.url), 'the message names the worker it called');
  const warning = await env.warning('site', 'IncompatibleWorker');
  assert.match(
    warning,
    new RegExp(`protocol ${String(theirs)}, this relay speaks protocol ${PROTOCOL_VERSION}`),
  );
  assert.ok((await env.metric('zeroloop_reconciles_total', { result: 'incompatible_worker' })) >= 1);

  // Nothing ran at the worker: every reconcile it was sent was refused before any component.
  const calls = env.worker
    .logLines()
    .filter((l) => l.msg === 'request' && l.path === ROUTES.reconcile('website'));
  assert.ok(calls.length >= 1, 'the relay called the worker');
  assert.deepEqual(
    [...new Set(calls.map((l) => `${String(l.status)} ${String(l.outcome)}`))],
    ['400 incompatible_protocol'],
  );
  assert.ok(calls.every((l) => l.reconcileMs === undefined));
  assert.equal(
    env.worker.logLines().filter((l) => l.msg === 'instantiate').length,
    0,
    'no component instantiated',
  );

  // Nothing was written: the primary is as created (no finalizer, no status), and it has no children.
  const site = await env.kube.get(WEBSITE.apiVersion, WEBSITE.kind, env.namespace, 'site');
  assert.equal(site?.metadata.resourceVersion, created.metadata.resourceVersion);
  assert.deepEqual(await ownedChildren(), []);
});

test('pointed at a worker of its own protocol, the Reconciler is Ready again and the Website converges', async () => {
  upgraded = await startWorker();
  await env.kube.patch(RECONCILER.apiVersion, RECONCILER.kind, undefined, reconcilerName(), {
    spec: { endpoint: upgraded.url.href },
  });
  await waitReady('True', 'Running');
  await waitConverged(env.kube, env.namespace, ['site'], 30_000);
  assert.equal((await ownedChildren()).length, WEBSITE_CHILDREN.length);
});
