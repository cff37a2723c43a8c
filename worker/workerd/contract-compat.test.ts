// Contract 0.2 in REAL workerd: a component built against WIT 0.1 (the `wit-v0-1` fixture, built from the 0.1 WIT by the real toolchain) still runs, and 0.2 components see config, lastWrite and external triggers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DescriptorList, ReconcileResponse, type ReconcileRequest } from '../../src/protocol/schemas.ts';
import { WIT_VERSION } from '../../src/protocol/version.ts';
import { startWorker, type RunningWorker } from '../testing/harness.ts';
import { websiteRequest } from '../testing/realistic.ts';
import { sampleRequest, signedGet, signedPost } from '../testing/requests.ts';

let worker: RunningWorker;

before(async () => {
  worker = await startWorker();
});
after(async () => {
  await worker.close();
});

/** What a 0.2 relay sends: the Reconciler's config, the last write's failure, and a hook's delivery as the trigger. */
function newer(request: ReconcileRequest): ReconcileRequest {
  return {
    ...request,
    config: { defaultImage: 'registry.example/nginx:1.28', maxReplicas: 7 },
    lastWrite: { state: 'failed', step: 'apply', message: 'admission webhook denied the request' },
    trigger: {
      type: 'external',
      hook: 'git-push',
      source: 'github',
      event: 'push',
      delivery: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      summary: { ref: 'refs/heads/main', after: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c' },
    },
  };
}

async function reconcile(name: string, request: unknown): Promise<ReconcileResponse> {
  const path = `/v1/reconcilers/${name}/reconcile`;
  const response = await worker.fetch(path, await signedPost(path, request));
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return ReconcileResponse.parse(JSON.parse(text));
}

function legacy(greeting: string): ReconcileRequest {
  return sampleRequest({ kind: 'Legacy', name: 'old', spec: { greeting } });
}

describe('contract 0.2 in workerd', () => {
  test('the worker should list the 0.1 component with its WIT version and no 0.2 descriptor fields', async () => {
    const response = await worker.fetch('/v1/reconcilers', await signedGet());
    assert.equal(response.status, 200);
    const { reconcilers } = DescriptorList.parse(await response.json());
    const old = reconcilers.find((r) => r.name === 'wit-v0-1');
    assert.ok(old, 'wit-v0-1 is listed');
    assert.equal(old.wit, '0.1.0');
    assert.equal('configSchema' in old || 'finalizerName' in old, false);
    const website = reconcilers.find((r) => r.name === 'website');
    assert.ok(website, 'website is listed');
    assert.equal(website.wit, WIT_VERSION);
    assert.equal(website.configSchema?.type, 'object');
  });

  test('a 0.1 component given a 0.2 request with config, lastWrite and an external trigger should see an ordinary primary reconcile and answer it', async () => {
    const response = await reconcile('wit-v0-1', newer(legacy('hi')));
    assert.deepEqual(response.status, {
      trigger: 'primary',
      fields: ['finalizing', 'owned', 'primary', 'related', 'trigger'],
    });
    assert.deepEqual(response.desired, [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'old-legacy', namespace: 'default' },
        data: { greeting: 'hi' },
      },
    ]);
  });

  test('a 0.1 component should get the triggers it knows unchanged', async () => {
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'old-legacy' };
    const response = await reconcile('wit-v0-1', { ...newer(legacy('x')), trigger: { type: 'owned', ref } });
    assert.equal(response.status?.trigger, 'owned');
  });

  test('a 0.2 component should see the config, the last write and the external trigger as sent', async () => {
    const request = newer(sampleRequest({ spec: { mode: 'echo' } }));
    const status = (await reconcile('faulty', request)).status ?? {};
    assert.deepEqual(status.config, request.config);
    assert.deepEqual(status.lastWrite, {
      tag: 'failed',
      val: { step: 'apply', message: 'admission webhook denied the request' },
    });
    assert.deepEqual(status.trigger, {
      tag: 'external',
      val: {
        hook: 'git-push',
        source: 'github',
        event: 'push',
        delivery: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
        summary: JSON.stringify(request.trigger.type === 'external' ? request.trigger.summary : undefined),
      },
    });
  });

  test('website should take its default image from the config the relay sends', async () => {
    // The realistic Website names no image, so the config's default applies.
    const response = await reconcile('website', newer(websiteRequest()));
    const deployment = response.desired.find((o) => o.kind === 'Deployment') as unknown as {
      spec: { template: { spec: { containers: { image: string }[] } } };
    };
    assert.equal(deployment.spec.template.spec.containers[0]?.image, 'registry.example/nginx:1.28');
  });
});
