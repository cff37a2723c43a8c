// Unit tests of the Manager over fakes (scripted watches, FakeKube, an HTTP worker serving its descriptor): spec.config checked against the descriptor's schema, refused as a condition, and a config-only change taken without a restart.
//
// The worker is a node:http server answering the protocol (descriptor list and reconcile), so the
// real describe and Dispatcher run; the e2e test relay-config runs the same on the real control
// plane with the website component in workerd.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { HEADERS, ROUTES } from '../../src/protocol/routes.ts';
import { type DescriptorList, ReconcileRequest } from '../../src/protocol/schemas.ts';
import { PROTOCOL_VERSION } from '../../src/protocol/version.ts';
import { RECONCILER_KIND } from '../api/reconciler.ts';
import { Applier } from '../apply/applier.ts';
import { EventRecorder } from '../apply/events.ts';
import { Dispatcher } from '../dispatch/dispatcher.ts';
import { Discovery } from '../kube/discovery.ts';
import type { KObject } from '../kube/object.ts';
import { createLogger } from '../observe/log.ts';
import { relayMetrics } from '../observe/metrics.ts';
import { FakeKube } from '../testing/fake-kube.ts';
import { ScriptedWatch } from '../testing/scripted-watch.ts';
import { InformerFactory } from '../watch/informer.ts';
import { Manager } from './manager.ts';
import { answer } from '../testing/answer.ts';
import { scriptedHttpForFile } from '../testing/scripted-http.ts';

const SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: { size: { type: 'integer', minimum: 1, maximum: 10 } },
};
const list: DescriptorList = {
  reconcilers: [
    {
      name: 'widgets',
      version: '1.0.0',
      primary: { apiVersion: 'example.com/v1', kind: 'Widget' },
      owns: [],
      reads: [],
      finalizer: false,
      configSchema: SCHEMA,
      wit: '0.2.0',
    },
  ],
};
const received: ReconcileRequest[] = [];
let describes = 0;
const worker = scriptedHttpForFile((req, body, res) => {
  const headers = { 'content-type': 'application/json', [HEADERS.protocol]: String(PROTOCOL_VERSION) };
  res.writeHead(200, headers);
  if (req.method === 'GET' && req.url === ROUTES.list) {
    describes++;
    res.end(JSON.stringify(list));
    return;
  }
  received.push(ReconcileRequest.parse(JSON.parse(body)));
  res.end(JSON.stringify(answer()));
});

const widget = (name: string): KObject => ({
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name, namespace: 'demo', uid: `uid-${name}`, resourceVersion: '5', generation: 1 },
});

const reconciler = (generation: number, spec: Record<string, unknown>): KObject => ({
  ...RECONCILER_KIND,
  metadata: { name: 'widgets', uid: 'uid-r', generation, resourceVersion: String(100 + generation) },
  spec: {
    reconciler: 'widgets',
    endpoint: worker.url,
    signingSecretRef: { namespace: 'zeroloop', name: 'signing', key: 'key' },
    primary: { apiVersion: 'example.com/v1', kind: 'Widget' },
    namespaces: ['demo'],
    ...spec,
  },
});

function managerFor(first: KObject) {
  const kube = new FakeKube();
  kube.objects.set('/apis/example.com/v1', {
    kind: 'APIResourceList',
    resources: [{ name: 'widgets', kind: 'Widget', namespaced: true }],
  });
  kube.put('/api/v1/namespaces/zeroloop/secrets/signing', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'signing', namespace: 'zeroloop' },
    data: { key: Buffer.from('k').toString('base64') },
  });
  const watches = new Map<string, ScriptedWatch>();
  const informers = new InformerFactory({
    listerWatcherFor: (scope) => {
      const items =
        scope.kind === 'Reconciler' ? [first] : scope.kind === 'Widget' ? [widget('a'), widget('b')] : [];
      const watch = new ScriptedWatch(items);
      watches.set(scope.kind, watch);
      return watch;
    },
  });
  const manager = new Manager({
    client: kube,
    discovery: new Discovery(kube),
    informers,
    dispatcher: new Dispatcher(),
    applier: new Applier({ client: kube }),
    recorder: new EventRecorder({ client: kube }),
    metrics: relayMetrics(),
    log: createLogger({ write: () => undefined }),
  });
  /** The Ready conditions the Manager wrote to the Reconciler, in order. */
  const readies = () =>
    kube.requests
      .filter(
        (r) => r.method === 'PATCH' && r.path === '/apis/zeroloop.dev/v1alpha1/reconcilers/widgets/status',
      )
      .map((r) => {
        const status = (
          r.body as { status: { conditions: { type: string; reason: string; message: string }[] } }
        ).status;
        return status.conditions.find((c) => c.type === 'Ready');
      });
  const push = (object: KObject) => {
    watches.get('Reconciler')?.push({ type: 'MODIFIED', object });
  };
  return { manager, kube, readies, push };
}

async function until<T>(what: string, check: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

test('manager should refuse a config its reconciler’s schema refuses (Ready=False InvalidConfig naming the field) and run nothing, then start once it is fixed', async () => {
  received.length = 0;
  const { manager, readies, push } = managerFor(reconciler(1, { config: { size: 50 } }));
  manager.start();
  const refused = await until('Ready=False InvalidConfig', () =>
    readies().find((c) => c?.reason === 'InvalidConfig'),
  );
  assert.match(refused.message, /refused at \/spec\/config\/size: .*fix spec\.config/);
  assert.equal(manager.controllers.size, 0, 'no controller runs with a refused config');
  await sleep(100);
  assert.equal(received.length, 0, 'no reconcile');

  push(reconciler(2, { config: { size: 5 } }));
  await until('Ready=True Running', () => readies().at(-1)?.reason === 'Running');
  await until('both primaries reconciled with the config', () => received.length === 2);
  assert.deepEqual(
    received.map((r) => r.config),
    [{ size: 5 }, { size: 5 }],
  );
  await manager.stop(1000);
});

test('manager should take a config-only change in the running controller and reconcile every primary once; any other change restarts it', async () => {
  received.length = 0;
  // No config at first: no descriptor is read, and adding one is still a config-only change.
  const { manager, push } = managerFor(reconciler(1, {}));
  manager.start();
  await until('the start-up reconciles', () => received.length === 2);
  const running = manager.controllers.get('widgets');
  const describedBefore = describes;
  assert.deepEqual(
    received.map((r) => r.config),
    [undefined, undefined],
  );

  push(reconciler(2, { config: { size: 2 } }));
  await until('every primary once with the new config', () => received.length === 4);
  await sleep(200);
  assert.equal(received.length, 4, 'exactly once each');
  assert.deepEqual(
    received.slice(2).map((r) => [r.primary.metadata.name, r.config]),
    [
      ['a', { size: 2 }],
      ['b', { size: 2 }],
    ],
  );
  assert.equal(manager.controllers.get('widgets'), running, 'the same controller');
  assert.equal(describes, describedBefore + 1, 'the new config was checked against the descriptor');

  push(reconciler(3, { config: { size: 2 } }));
  await sleep(200);
  assert.equal(received.length, 4, 'a new generation with the same config reconciles nothing');

  push(reconciler(4, { config: { size: 2 }, concurrency: 2 }));
  await until('a restarted controller', () => manager.controllers.get('widgets') !== running || undefined);
  await manager.stop(1000);
});
