// The example reconcilers (website, database) end to end over real HTTP to the worker in workerd.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { kindId } from '../../src/keys.ts';
import {
  DescriptorList,
  ReconcileResponse,
  type Descriptor,
  type KubeObject,
} from '../../src/protocol/schemas.ts';
import { PRODUCTION_CONFIG, startWorker, type RunningWorker } from '../testing/harness.ts';
import { DATABASE_READY_MEMBERS, databaseRequest, websiteRequest } from '../testing/realistic.ts';
import { signedGet, signedPost } from '../testing/requests.ts';

// The production entry (worker/index.ts, build/reconcilers/registry.ts): the examples only.
let worker: RunningWorker;
let descriptors: Descriptor[];

before(async () => {
  worker = await startWorker(PRODUCTION_CONFIG);
  const response = await fetch(new URL('/v1/reconcilers', worker.url), await signedGet());
  assert.equal(response.status, 200);
  descriptors = DescriptorList.parse(await response.json()).reconcilers;
});
after(async () => {
  await worker.close();
});

async function reconcileOverHttp(name: string, request: unknown): Promise<ReconcileResponse> {
  const path = `/v1/reconcilers/${name}/reconcile`;
  const response = await fetch(new URL(path, worker.url), await signedPost(path, request));
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return ReconcileResponse.parse(JSON.parse(text));
}

function find(desired: KubeObject[], kind: string, name: string): Record<string, unknown> {
  const found = desired.find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(found, `${kind} ${name} in ${desired.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found;
}

function assertWithinDescriptor(name: string, response: ReconcileResponse): void {
  const descriptor = descriptors.find((d) => d.name === name);
  assert.ok(descriptor, `${name} is listed`);
  const owns = new Set(descriptor.owns.map(kindId));
  const reads = new Set(descriptor.reads.map(kindId));
  for (const object of response.desired)
    assert.ok(owns.has(kindId(object)), `${name} owns ${kindId(object)}`);
  for (const selector of response.related)
    assert.ok(reads.has(kindId(selector)), `${name} reads ${kindId(selector)}`);
}

describe('example reconcilers over HTTP in workerd', () => {
  test('the production worker lists exactly the examples', () => {
    assert.deepEqual(descriptors.map((d) => d.name).sort(), ['database', 'website', 'website-go']);
  });

  test('website turns a Website into a Deployment, a Service and its HTML ConfigMap', async () => {
    const request = websiteRequest();
    const response = await reconcileOverHttp('website', request);
    assertWithinDescriptor('website', response);
    const spec = request.primary.spec as { replicas: number; html: string };
    const deployment = find(response.desired, 'Deployment', 'hello') as { spec: { replicas: number } };
    assert.equal(deployment.spec.replicas, spec.replicas);
    find(response.desired, 'Service', 'hello');
    const html = find(response.desired, 'ConfigMap', 'hello-html') as { data: Record<string, string> };
    assert.equal(html.data['index.html'], spec.html);
    for (const object of response.desired) assert.equal(object.metadata.namespace, 'default');
    // The owned Deployment reports 2/2 ready at the current generation.
    assert.equal(response.status?.readyReplicas, 2);
  });

  test('database counts ready members from related Pods and selects them for next time', async () => {
    const response = await reconcileOverHttp('database', databaseRequest());
    assertWithinDescriptor('database', response);
    const statefulSet = find(response.desired, 'StatefulSet', 'orders') as { spec: { replicas: number } };
    assert.equal(statefulSet.spec.replicas, 3);
    assert.equal(response.status?.readyMembers, DATABASE_READY_MEMBERS);
    assert.deepEqual(response.related, [
      {
        apiVersion: 'v1',
        kind: 'Pod',
        matchLabels: { 'app.kubernetes.io/instance': 'orders', 'app.kubernetes.io/name': 'database' },
      },
    ]);
  });

  test('database rejects an invalid spec with 422 and says which field', async () => {
    const request = databaseRequest();
    request.primary = { ...request.primary, spec: { members: 99 } };
    const response = await fetch(
      new URL('/v1/reconcilers/database/reconcile', worker.url),
      await signedPost('/v1/reconcilers/database/reconcile', request),
    );
    assert.equal(response.status, 422);
    const body = (await response.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'reconciler_error');
    assert.match(body.error.message, /members/);
  });

  test('the fixture reconciler is not in the production worker', async () => {
    const response = await fetch(
      new URL('/v1/reconcilers/faulty/reconcile', worker.url),
      await signedPost('/v1/reconcilers/faulty/reconcile', websiteRequest()),
    );
    assert.equal(response.status, 404);
  });
});
