// Unit tests of a Controller over fakes: scripted watches (informers), a FakeKube apiserver (discovery, applier, Events) and a small HTTP worker; a new spec.config reconciles every primary exactly once.
//
// The worker is a node:http server answering the protocol (so the real Dispatcher signs, sends and
// judges each call); the e2e tests (relay-config) run the same against the real control plane and
// the website component in workerd.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { HEADERS } from '../../src/protocol/routes.ts';
import { ReconcileRequest } from '../../src/protocol/schemas.ts';
import { PROTOCOL_VERSION } from '../../src/protocol/version.ts';
import { type ControllerConfig, ReconcilerSpec } from '../api/reconciler.ts';
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
import { Controller, type ReconcileRecord } from './controller.ts';
import { answer } from '../testing/answer.ts';
import { scriptedHttpForFile } from '../testing/scripted-http.ts';

const widget = (name: string, generation = 1): KObject => ({
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: {
    name,
    namespace: 'demo',
    uid: `uid-${name}`,
    resourceVersion: String(10 + generation),
    generation,
  },
});

/** Requests the worker received, and a gate a test can hold one primary's next call on. */
const received: ReconcileRequest[] = [];
let hold: { name: string; release: Promise<void>; entered: () => void } | undefined;
const worker = scriptedHttpForFile((req, body, res) => {
  void (async () => {
    const request = ReconcileRequest.parse(JSON.parse(body));
    received.push(request);
    if (hold?.name === request.primary.metadata.name) {
      const gate = hold;
      hold = undefined;
      gate.entered();
      await gate.release;
    }
    res.writeHead(200, {
      'content-type': 'application/json',
      [HEADERS.protocol]: String(PROTOCOL_VERSION),
    });
    res.end(JSON.stringify(answer()));
  })();
});

function controllerFor(primaries: KObject[]) {
  const kube = new FakeKube();
  kube.objects.set('/apis/example.com/v1', {
    kind: 'APIResourceList',
    groupVersion: 'example.com/v1',
    resources: [{ name: 'widgets', kind: 'Widget', namespaced: true }],
  });
  const watches = new Map<string, ScriptedWatch>();
  const informers = new InformerFactory({
    listerWatcherFor: (scope) => {
      const watch = new ScriptedWatch(scope.kind === 'Widget' ? primaries : []);
      watches.set(scope.kind, watch);
      return watch;
    },
  });
  const spec = ReconcilerSpec.parse({
    reconciler: 'widgets',
    endpoint: worker.url,
    signingSecretRef: { namespace: 'zeroloop', name: 'signing', key: 'key' },
    primary: { apiVersion: 'example.com/v1', kind: 'Widget' },
    namespaces: ['demo'],
    config: { size: 'small' },
  });
  const config: ControllerConfig = { name: 'widgets', spec, signingKey: 'k' };
  const controller = new Controller(config, {
    client: kube,
    discovery: new Discovery(kube),
    informers,
    dispatcher: new Dispatcher(),
    applier: new Applier({ client: kube }),
    recorder: new EventRecorder({ client: kube }),
    metrics: relayMetrics(),
    log: createLogger({ write: () => undefined }),
  });
  const records: ReconcileRecord[] = [];
  controller.onReconcile.add((r) => {
    records.push(r);
  });
  return { controller, records, watches };
}

async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

test('controller should reconcile every primary exactly once with a new spec.config, one in flight included, without a restart', async () => {
  const names = ['w1', 'w2', 'w3'];
  const { controller, records, watches } = controllerFor(names.map((n) => widget(n)));
  await controller.start();
  await until('the start-up reconciles', () => records.length === 3);
  received.length = 0;
  records.length = 0;

  // w2 changes: its reconcile is in flight (held at the worker) when the config changes.
  let entered = (): void => undefined;
  const inFlight = new Promise<void>((resolve) => (entered = resolve));
  let release = (): void => undefined;
  hold = { name: 'w2', release: new Promise<void>((resolve) => (release = resolve)), entered };
  watches.get('Widget')?.push({ type: 'MODIFIED', object: widget('w2', 2) });
  await inFlight;
  const enqueued = controller.reconfigure({ size: 'large' });
  assert.equal(enqueued, 3);
  await until('w1 and w3 reconciled with the new config', () => records.length === 2);
  release();
  await until('w2 reconciled once more after its reconcile in flight', () => records.length === 4);
  await sleep(300);

  const perPrimary = names.map((n) => received.filter((r) => r.primary.metadata.name === n).length);
  assert.deepEqual(
    perPrimary,
    [1, 2, 1],
    'each primary once for the config; w2 once more for its own change',
  );
  assert.deepEqual(
    received.at(-1)?.config,
    { size: 'large' },
    'the call after the in-flight one has the new config',
  );
  assert.deepEqual(
    received.filter((r) => r.primary.metadata.name !== 'w2').map((r) => r.config),
    [{ size: 'large' }, { size: 'large' }],
  );
  assert.deepEqual(controller.config.spec.config, { size: 'large' });
  await controller.stop(1000);
});
