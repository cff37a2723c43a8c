// Tests of the floor client's writes and of the message that hands it a created Website (pure functions, no control plane).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KObject } from '../../relay/kube/object.ts';
import { floorWrites } from './floor-objects.ts';
import { CreatedWebsiteIncomplete, floorCreated } from './floor-protocol.ts';

const answer = (spec: Record<string, unknown>, uid: string | null = 'u-1') =>
  KObject.parse({
    apiVersion: 'examples.zeroloop.dev/v1alpha1',
    kind: 'Website',
    metadata: {
      name: 'bulk-7',
      namespace: 'cmp-floor-x',
      ...(uid !== null && { uid }),
      generation: 1,
      creationTimestamp: '2026-12-07T18:00:00Z',
    },
    spec,
  });

test('floorWrites should apply the ConfigMap, the Deployment and the status in the baseline’s order, each child controlled by the Website', () => {
  const writes = floorWrites(floorCreated(answer({ html: '<h1>bulk-7</h1>', expose: false })));
  assert.deepEqual(
    writes.map((w) => [w.what, w.path]),
    [
      ['ConfigMap', '/api/v1/namespaces/cmp-floor-x/configmaps/bulk-7-html'],
      ['Deployment', '/apis/apps/v1/namespaces/cmp-floor-x/deployments/bulk-7'],
      ['status', '/apis/examples.zeroloop.dev/v1alpha1/namespaces/cmp-floor-x/websites/bulk-7/status'],
    ],
  );
  for (const w of writes.slice(0, 2))
    assert.deepEqual((w.body.metadata as { ownerReferences: unknown }).ownerReferences, [
      {
        apiVersion: 'examples.zeroloop.dev/v1alpha1',
        kind: 'Website',
        name: 'bulk-7',
        uid: 'u-1',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
  assert.deepEqual(writes[0]?.body.data, { 'index.html': '<h1>bulk-7</h1>' });
  const pod = (writes[1]?.body.spec as { template: { spec: Record<string, unknown> } }).template.spec;
  assert.deepEqual(pod.volumes, [{ name: 'html', configMap: { name: 'bulk-7-html', defaultMode: 420 } }]);
  assert.deepEqual(writes[2]?.body.status, {
    observedGeneration: 1,
    replicas: 1,
    readyReplicas: 0,
    conditions: [
      {
        type: 'Ready',
        status: 'False',
        observedGeneration: 1,
        lastTransitionTime: '2026-12-07T18:00:00Z',
        reason: 'RolloutInProgress',
        message: '0/1 replicas ready',
      },
    ],
  });
});

test('floorWrites should add the Service and the url for an exposed Website without HTML', () => {
  const writes = floorWrites(floorCreated(answer({})));
  assert.deepEqual(
    writes.map((w) => w.what),
    ['Deployment', 'Service', 'status'],
  );
  assert.equal(
    (writes[2]?.body.status as { url?: string }).url,
    'http://bulk-7.cmp-floor-x.svc.cluster.local',
  );
});

test('floorCreated should refuse a create answer without a uid, naming the Website', () => {
  assert.throws(
    () => floorCreated(answer({ html: 'x' }, null)),
    (error: unknown) =>
      error instanceof CreatedWebsiteIncomplete && error.message.includes('cmp-floor-x/bulk-7'),
  );
});
