// Unit tests of a Reconciler's readiness: a refused watch or write holds it back (Ready=False Forbidden) until every refusal is granted, an incompatible worker until it matches.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReconcilerSpec } from '../api/reconciler.ts';
import type { Leadership } from '../election/leadership.ts';
import { Forbidden } from '../kube/forbidden.ts';
import type { KObject } from '../kube/object.ts';
import { createLogger } from '../observe/log.ts';
import { relayMetrics } from '../observe/metrics.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { FakeKube } from '../testing/fake-kube.ts';
import { Readiness } from './readiness.ts';
import { ReconcilerConditions } from './status.ts';

const spec = ReconcilerSpec.parse({
  reconciler: 'websites',
  endpoint: 'http://worker.test',
  signingSecretRef: { namespace: 'zeroloop', name: 'signing', key: 'key' },
  primary: { apiVersion: 'example.com/v1', kind: 'Website' },
  owns: [{ apiVersion: 'v1', kind: 'ConfigMap' }],
  namespaces: ['demo'],
});
const reconciler: KObject = {
  apiVersion: 'zeroloop.dev/v1alpha1',
  kind: 'Reconciler',
  metadata: { name: 'websites', generation: 1 },
};
const forbidden = (resource: string) =>
  new Forbidden({ verb: 'list', apiVersion: 'v1', resource, namespace: 'demo' }, new Error('403'));

function setup() {
  const kube = new FakeKube();
  const conditions = new ReconcilerConditions({
    client: kube,
    metrics: relayMetrics(),
    leadership: { leading: true } as Leadership,
    clock: new FakeClock(),
    log: createLogger({ write: () => undefined }),
  });
  const readiness = new Readiness({
    conditions,
    log: createLogger({ write: () => undefined }),
    current: () => reconciler,
    running: () => [['websites', { config: { name: 'websites', spec, signingKey: 'k' }, synced: true }]],
  });
  return { readiness, conditions };
}

test('readiness should hold back only the Reconcilers that need a refused watch, until it lists', () => {
  const { readiness, conditions } = setup();
  const configMaps = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'demo' };
  assert.equal(
    readiness.watchForbidden({ apiVersion: 'v1', kind: 'Secret', namespace: 'demo' }, forbidden('secrets')),
    0,
  );
  assert.equal(readiness.watchForbidden({ ...configMaps, namespace: 'other' }, forbidden('configmaps')), 0);
  assert.equal(readiness.watchForbidden(configMaps, forbidden('configmaps')), 1);
  assert.equal(readiness.held('websites'), true);
  assert.equal(conditions.ready('websites')?.reason, 'Forbidden');
  readiness.watchListed(configMaps);
  assert.equal(readiness.held('websites'), false);
  assert.deepEqual(conditions.ready('websites')?.ready, 'True');
});

test('readiness should stay Forbidden while any refusal remains: a watch and the writes', () => {
  const { readiness, conditions } = setup();
  const configMaps = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'demo' };
  readiness.watchForbidden(configMaps, forbidden('configmaps'));
  readiness.writes('websites', forbidden('configmaps'));
  readiness.watchListed(configMaps);
  assert.equal(readiness.held('websites'), true, 'the writes are still refused');
  assert.equal(conditions.ready('websites')?.reason, 'Forbidden');
  readiness.writes('websites', undefined);
  assert.equal(readiness.held('websites'), false);
  assert.equal(conditions.ready('websites')?.reason, 'Running');
});
