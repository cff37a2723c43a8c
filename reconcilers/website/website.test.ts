// Component tests of the website reconciler: the BUILT QuickJS component, run in Node through jco.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { before, test } from 'node:test';
import { descriptorFromWit, type ReconcilerExports } from '../../src/contract/wit.ts';
import { Descriptor, type KubeObject } from '../../src/protocol/schemas.ts';
import {
  desiredOf,
  expectOk,
  loadBuilt,
  readYamlObjects,
  reconcile,
  requestFor,
} from '../../cli/testing/component.ts';

const CREATED = '2026-11-20T10:00:00Z';
let website: ReconcilerExports;

before(async () => {
  website = await loadBuilt('website');
});

function site(spec: Record<string, unknown>, status?: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'examples.zeroloop.dev/v1alpha1',
    kind: 'Website',
    metadata: { name: 'shop', namespace: 'web', generation: 3, creationTimestamp: CREATED },
    spec,
    ...(status ? { status } : {}),
  };
}

function deployment(status: Record<string, unknown>, generation = 5): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'shop', namespace: 'web', generation, creationTimestamp: '2026-11-20T10:00:01Z' },
    status,
  };
}

const READY_DEPLOYMENT = deployment({
  observedGeneration: 5,
  replicas: 2,
  readyReplicas: 2,
  updatedReplicas: 2,
  conditions: [{ type: 'Available', status: 'True', lastTransitionTime: '2026-11-20T10:02:00Z' }],
});

const path = (obj: unknown, ...steps: (string | number)[]): unknown =>
  steps.reduce<unknown>((o, s) => (o as Record<string | number, unknown> | undefined)?.[s], obj);

test('website describes itself: Website primary, owns Deployment, Service and ConfigMap', () => {
  const descriptor = Descriptor.parse(descriptorFromWit(website.describe()));
  assert.equal(descriptor.name, 'website');
  assert.deepEqual(descriptor.primary, { apiVersion: 'examples.zeroloop.dev/v1alpha1', kind: 'Website' });
  assert.deepEqual(
    descriptor.owns.map((k) => k.kind),
    ['Deployment', 'Service', 'ConfigMap'],
  );
  assert.deepEqual(descriptor.reads, []);
  assert.equal(descriptor.finalizer, false);
});

test('website should desire a ConfigMap, a Deployment mounting it and a Service for a new site', () => {
  const res = expectOk(reconcile(website, requestFor(site({ replicas: 2, html: '<h1>shop</h1>' }))));
  assert.deepEqual(res.desired.map((o) => `${o.kind}/${o.metadata.name}`).sort(), [
    'ConfigMap/shop-html',
    'Deployment/shop',
    'Service/shop',
  ]);
  for (const obj of res.desired) assert.equal(obj.metadata.namespace, 'web');
  assert.equal(path(desiredOf(res, 'ConfigMap', 'shop-html'), 'data', 'index.html'), '<h1>shop</h1>');
  const dep = desiredOf(res, 'Deployment', 'shop');
  assert.equal(path(dep, 'spec', 'replicas'), 2);
  assert.equal(path(dep, 'spec', 'template', 'spec', 'volumes', 0, 'configMap', 'name'), 'shop-html');
  assert.equal(path(dep, 'spec', 'template', 'spec', 'containers', 0, 'image'), 'nginx:1.27-alpine');
  const labels = path(dep, 'spec', 'template', 'metadata', 'labels');
  assert.deepEqual(path(dep, 'spec', 'selector', 'matchLabels'), labels);
  assert.deepEqual(path(desiredOf(res, 'Service', 'shop'), 'spec', 'selector'), labels);
  // Nothing exists yet: not ready, stamped with the newest time in the request (the creation).
  assert.deepEqual(res.status, {
    replicas: 2,
    readyReplicas: 0,
    observedGeneration: 3,
    url: 'http://shop.web.svc.cluster.local',
    conditions: [
      {
        type: 'Ready',
        status: 'False',
        reason: 'DeploymentPending',
        message: 'Deployment shop does not exist yet',
        observedGeneration: 3,
        lastTransitionTime: CREATED,
      },
    ],
  });
  assert.deepEqual(res.related, []);
  assert.equal(res.requeueAfterMs, null);
  assert.deepEqual(res.events, []);
});

test('website should drop the Service when expose is false and the ConfigMap when html is unset', () => {
  const res = expectOk(
    reconcile(website, requestFor(site({ expose: false }), { owned: [READY_DEPLOYMENT] })),
  );
  assert.deepEqual(
    res.desired.map((o) => o.kind),
    ['Deployment'],
  );
  const pod = path(res.desired[0], 'spec', 'template', 'spec');
  assert.equal(path(pod, 'volumes'), undefined);
  assert.equal(path(pod, 'containers', 0, 'volumeMounts'), undefined);
  assert.equal(path(res.status, 'url'), undefined);
});

test('website should report Ready from the owned Deployment, and emit an event only when it flips', () => {
  const first = expectOk(
    reconcile(website, requestFor(site({ replicas: 2 }), { owned: [READY_DEPLOYMENT] })),
  );
  const ready = path(first.status, 'conditions', 0);
  assert.equal(path(first.status, 'readyReplicas'), 2);
  assert.equal(path(ready, 'status'), 'True');
  assert.equal(path(ready, 'reason'), 'ReplicasReady');
  assert.equal(path(ready, 'lastTransitionTime'), '2026-11-20T10:02:00Z');
  assert.deepEqual(first.events, [
    { type: 'Normal', reason: 'Ready', message: 'Website web/shop is ready: 2/2 replicas ready' },
  ]);
  // The same state again, with that status written: the transition time is kept and no event repeats.
  const later = {
    ...READY_DEPLOYMENT,
    metadata: { ...READY_DEPLOYMENT.metadata, managedFields: [{ time: '2026-11-21T00:00:00Z' }] },
  };
  const again = expectOk(
    reconcile(website, requestFor(site({ replicas: 2 }, first.status ?? {}), { owned: [later] })),
  );
  assert.equal(path(again.status, 'conditions', 0, 'lastTransitionTime'), '2026-11-20T10:02:00Z');
  assert.deepEqual(again.events, []);
  // Scaling up: no longer ready; a Warning records the loss, stamped with the newest time seen.
  const scaled = expectOk(
    reconcile(website, requestFor(site({ replicas: 3 }, again.status ?? {}), { owned: [later] })),
  );
  assert.equal(path(scaled.status, 'conditions', 0, 'status'), 'False');
  assert.equal(path(scaled.status, 'conditions', 0, 'reason'), 'RolloutInProgress');
  assert.equal(path(scaled.status, 'conditions', 0, 'lastTransitionTime'), '2026-11-21T00:00:00Z');
  assert.deepEqual(
    scaled.events.map((e) => [e.type, e.reason]),
    [['Warning', 'NotReady']],
  );
});

test('website should not count a Deployment whose status is older than its spec', () => {
  const stale = deployment({ observedGeneration: 4, readyReplicas: 2, updatedReplicas: 2 }, 5);
  const res = expectOk(reconcile(website, requestFor(site({ replicas: 2 }), { owned: [stale] })));
  assert.equal(path(res.status, 'conditions', 0, 'status'), 'False');
});

test('website should be a pure function: the same request gives the same answer', () => {
  const request = requestFor(site({ replicas: 2, html: 'x' }), { owned: [READY_DEPLOYMENT] });
  assert.deepEqual(reconcile(website, request), reconcile(website, request));
});

test('website should answer bad input with a wit err, not a trap, and stay usable', () => {
  const cases: [KubeObject, RegExp][] = [
    [
      site({ replicas: 'three', image: 5, expose: 'no' }),
      /^Website web\/shop: invalid spec: spec\.image must be a string, got 5; spec\.replicas must be an integer between 0 and 100, got "three"; spec\.expose must be true or false, got "no"/,
    ],
    [site({ replicas: -1 }), /spec\.replicas must be an integer between 0 and 100, got -1/],
    [site({ replicas: 1.5 }), /spec\.replicas must be an integer between 0 and 100, got 1\.5/],
    [site({ html: 'x'.repeat(1_000_000) }), /spec\.html must be at most 921600 characters long/],
    [{ ...site({}), spec: undefined }, /spec is missing/],
    [
      { ...site({}), kind: 'Database' },
      /request\.primary is examples\.zeroloop\.dev\/v1alpha1 Database web\/shop, but reconciler "website" reconciles/,
    ],
  ];
  for (const [primary, message] of cases) {
    const outcome = reconcile(website, requestFor(primary));
    assert.ok(
      outcome.err !== undefined,
      `expected err for ${JSON.stringify(primary.spec ?? null).slice(0, 80)}`,
    );
    assert.match(outcome.err, message);
  }
  // Not JSON at all (the relay never sends this, but the component must not trap on it).
  assert.throws(
    () =>
      website.reconcile({
        primary: '{oops',
        owned: [],
        related: [],
        trigger: { tag: 'primary' },
        finalizing: false,
        config: undefined,
        lastWrite: { tag: 'unknown' },
      }),
    (error: unknown) => (error as { payload?: unknown }).payload === 'request.primary is not valid JSON text',
  );
  // A lone UTF-16 surrogate cannot be lowered to a WIT string (it would trap): the SDK escapes it.
  const lone = {
    ...site({ replicas: 'x', html: 'a\ud800b' }),
    metadata: { name: 'a\udc00', namespace: 'web' },
  };
  assert.match(reconcile(website, requestFor(lone)).err ?? '', /^Website web\/a\ufffd: invalid spec/);
  const html = expectOk(reconcile(website, requestFor(site({ html: 'a\ud800b' }))));
  assert.equal(path(desiredOf(html, 'ConfigMap', 'shop-html'), 'data', 'index.html'), 'a\ud800b');
  // The same instance still answers: an err does not poison it the way a trap would.
  assert.ok(reconcile(website, requestFor(site({}))).ok);
});

test('website samples reconcile, and the CRD defaults agree with the reconciler', async () => {
  const dir = new URL('./samples/', import.meta.url);
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 2);
  for (const file of files) {
    for (const sample of await readYamlObjects(new URL(file, dir))) {
      const outcome = reconcile(website, requestFor(sample));
      assert.ok(outcome.ok, `${file}: ${outcome.err ?? ''}`);
    }
  }
  const [crd] = await readYamlObjects(new URL('./crd.yaml', import.meta.url));
  const props = path(
    crd,
    'spec',
    'versions',
    0,
    'schema',
    'openAPIV3Schema',
    'properties',
    'spec',
    'properties',
  );
  const res = expectOk(reconcile(website, requestFor(site({}))));
  const dep = desiredOf(res, 'Deployment', 'shop');
  // The image has no CRD default: the Reconciler's config gives it (see the config tests).
  assert.equal(path(props, 'image', 'default'), undefined);
  assert.equal(
    path(props, 'replicas', 'maximum'),
    path(configSchema(), 'properties', 'maxReplicas', 'maximum'),
  );
  assert.equal(path(dep, 'spec', 'replicas'), path(props, 'replicas', 'default'));
  assert.ok(desiredOf(res, 'Service', 'shop'), 'expose defaults to true in both');
  assert.equal(path(props, 'expose', 'default'), true);
});

/** The descriptor's JSON Schema of `spec.config`. */
function configSchema(): unknown {
  return Descriptor.parse(descriptorFromWit(website.describe())).configSchema;
}

test('website should declare its config schema with the defaults it applies', () => {
  const schema = configSchema();
  assert.equal(path(schema, 'type'), 'object');
  const res = expectOk(reconcile(website, requestFor(site({}))));
  assert.equal(
    path(desiredOf(res, 'Deployment', 'shop'), 'spec', 'template', 'spec', 'containers', 0, 'image'),
    path(schema, 'properties', 'defaultImage', 'default'),
  );
  assert.equal(path(schema, 'properties', 'maxReplicas', 'default'), 100);
});

test('website should take the default image from config, and a Website that names its image keeps it', () => {
  const config = { defaultImage: 'registry.example/nginx:1.28' };
  const image = (spec: Record<string, unknown>) =>
    path(
      desiredOf(expectOk(reconcile(website, requestFor(site(spec), { config }))), 'Deployment', 'shop'),
      'spec',
      'template',
      'spec',
      'containers',
      0,
      'image',
    );
  assert.equal(image({}), 'registry.example/nginx:1.28');
  assert.equal(image({ image: 'caddy:2' }), 'caddy:2');
});

test('website should bound replicas by the config, naming the bound in the err', () => {
  const config = { maxReplicas: 3 };
  const ok = expectOk(reconcile(website, requestFor(site({ replicas: 3 }), { config })));
  assert.equal(path(desiredOf(ok, 'Deployment', 'shop'), 'spec', 'replicas'), 3);
  assert.match(
    reconcile(website, requestFor(site({ replicas: 4 }), { config })).err ?? '',
    /^Website web\/shop: invalid spec: spec\.replicas must be an integer between 0 and 3, got 4/,
  );
});

test('website should refuse a config out of bounds with an err naming the field, and answer again once it is fixed', () => {
  const outcome = reconcile(
    website,
    requestFor(site({}), { config: { defaultImage: '', maxReplicas: 500 } }),
  );
  assert.equal(
    outcome.err,
    "Reconciler website: invalid config: config.defaultImage must be at least 1 characters long; config.maxReplicas must be an integer between 0 and 100, got 500. Fix the Reconciler's spec.config.",
  );
  assert.ok(reconcile(website, requestFor(site({}), { config: { maxReplicas: 5 } })).ok);
});

test('website should answer the same whatever the last write and trigger were', () => {
  const plain = reconcile(website, requestFor(site({ replicas: 2 })));
  const failed = reconcile(
    website,
    requestFor(site({ replicas: 2 }), {
      lastWrite: { state: 'failed', step: 'apply', message: 'denied' },
      trigger: { type: 'external', hook: 'git-push', source: 'github', event: 'push', delivery: 'd1' },
    }),
  );
  assert.deepEqual(failed, plain);
});
