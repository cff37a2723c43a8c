// E2e: the relay with the real control plane, the real worker in workerd and the built `website` reconciler, and its Go port `website-go`.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { OWNER_LABEL, RECONCILER_LABEL } from '../../relay/apply/ownership.ts';
import type { KObject } from '../../relay/kube/object.ts';
import { eventually } from '../support/kube.ts';
import type { RelayEnv } from '../support/relay-env.ts';
import {
  CONFIGMAP,
  DEPLOYMENT,
  SERVICE,
  type ReconcilerDef,
  startRelayEnv,
  WEBSITE_GO_RECONCILER,
  WEBSITE_RECONCILER,
} from '../support/relay-env.ts';
import { MSG_RECONCILED } from '../../relay/controller/reporter.ts';

/** The same tests for each implementation of the Website semantics (TypeScript and Go), one relay each. */
function websiteSuite(def: ReconcilerDef): void {
  const WEBSITE = def.primary;
  let env: RelayEnv;
  before(async () => {
    env = await startRelayEnv({ name: def.name, reconcilers: [def] });
  });
  after(async () => {
    await env.stop();
  });

  const reconcilesOf = () => env.metric('zeroloop_reconciles_total');

  function website(name: string, spec: Record<string, unknown>) {
    return { ...WEBSITE, metadata: { name, namespace: env.namespace }, spec };
  }

  async function child(kind: { apiVersion: string; kind: string }, name: string): Promise<KObject> {
    return eventually(`${kind.kind} ${name}`, () =>
      env.kube.get(kind.apiVersion, kind.kind, env.namespace, name),
    );
  }

  /** Waits until the reconcile count stops moving for `quietMs`, and returns it. */
  async function settled(quietMs = 1500): Promise<number> {
    let last = await reconcilesOf();
    for (;;) {
      await sleep(quietMs);
      const now = await reconcilesOf();
      if (now === last && (await env.metric('zeroloop_queue_depth')) === 0) return now;
      last = now;
    }
  }

  test('creating a Website gives a Deployment, a Service and a ConfigMap with the ownerReference and labels', async () => {
    const site = await env.kube.create(website('hello', { replicas: 2, html: '<h1>v1</h1>' }));
    for (const kind of [DEPLOYMENT, SERVICE]) {
      const obj = await child(kind, 'hello');
      assert.deepEqual(
        obj.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.uid, r.controller]),
        [[WEBSITE.kind, 'hello', site.metadata.uid, true]],
      );
      assert.equal(obj.metadata.labels?.[OWNER_LABEL], site.metadata.uid);
      assert.equal(obj.metadata.labels?.[RECONCILER_LABEL], def.reconciler);
    }
    const cm = await child(CONFIGMAP, 'hello-html');
    assert.deepEqual(cm.data, { 'index.html': '<h1>v1</h1>' });
    assert.equal(cm.metadata.ownerReferences?.[0]?.uid, site.metadata.uid);
    assert.equal(cm.metadata.labels?.[OWNER_LABEL], site.metadata.uid);
    const deployment = await child(DEPLOYMENT, 'hello');
    assert.equal((deployment.spec as { replicas: number }).replicas, 2);
  });

  test('the Website status follows the Deployment status without polling, and status writes do not loop', async () => {
    await settled();
    const requeues = await env.metric('zeroloop_requeue_after_scheduled_total');
    const deployment = await child(DEPLOYMENT, 'hello');
    // No kubelet here: the test plays the deployment controller's part and reports 2 ready replicas.
    await env.kube.patch(
      DEPLOYMENT.apiVersion,
      DEPLOYMENT.kind,
      env.namespace,
      'hello',
      {
        status: {
          observedGeneration: deployment.metadata.generation,
          replicas: 2,
          readyReplicas: 2,
          updatedReplicas: 2,
          availableReplicas: 2,
        },
      },
      'status',
    );
    const ready = await eventually('Website hello Ready=True', async () => {
      const site = await env.kube.get(WEBSITE.apiVersion, WEBSITE.kind, env.namespace, 'hello');
      const status = site?.status as
        { readyReplicas?: number; conditions?: { type: string; status: string }[] } | undefined;
      return status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? status : undefined;
    });
    assert.equal(ready.readyReplicas, 2);
    assert.equal(
      await env.metric('zeroloop_requeue_after_scheduled_total'),
      requeues,
      'no timer was involved',
    );
    // The relay's own status write changed the Website (new resourceVersion); it must not wake it again.
    const before = await settled();
    await sleep(3000);
    assert.equal(await reconcilesOf(), before, 'no reconcile after the status write');
  });

  test('a spec update updates the children, and a child dropped from desired is pruned', async () => {
    await env.kube.patch(WEBSITE.apiVersion, WEBSITE.kind, env.namespace, 'hello', {
      spec: { replicas: 3, html: '<h1>v2</h1>' },
    });
    await eventually('Deployment replicas 3', async () => {
      const d = await env.kube.get(DEPLOYMENT.apiVersion, DEPLOYMENT.kind, env.namespace, 'hello');
      return (d?.spec as { replicas?: number } | undefined)?.replicas === 3 ? true : undefined;
    });
    await eventually('ConfigMap v2', async () => {
      const cm = await env.kube.get(CONFIGMAP.apiVersion, CONFIGMAP.kind, env.namespace, 'hello-html');
      return (cm?.data as Record<string, string> | undefined)?.['index.html'] === '<h1>v2</h1>'
        ? true
        : undefined;
    });
    await env.kube.patch(WEBSITE.apiVersion, WEBSITE.kind, env.namespace, 'hello', {
      spec: { expose: false },
    });
    await eventually('Service pruned', async () =>
      (await env.kube.get(SERVICE.apiVersion, SERVICE.kind, env.namespace, 'hello')) === undefined
        ? true
        : undefined,
    );
    assert.ok(
      await env.kube.get(DEPLOYMENT.apiVersion, DEPLOYMENT.kind, env.namespace, 'hello'),
      'Deployment kept',
    );
  });

  test('50 rapid spec updates coalesce into far fewer reconciles, and the last spec wins', async () => {
    await env.kube.create(website('burst', { replicas: 1, html: 'v0' }));
    await child(CONFIGMAP, 'burst-html');
    const before = await settled();
    for (let i = 1; i <= 50; i++) {
      await env.kube.patch(WEBSITE.apiVersion, WEBSITE.kind, env.namespace, 'burst', {
        spec: { html: `v${i}` },
      });
    }
    await eventually('ConfigMap burst-html = v50', async () => {
      const cm = await env.kube.get(CONFIGMAP.apiVersion, CONFIGMAP.kind, env.namespace, 'burst-html');
      return (cm?.data as Record<string, string> | undefined)?.['index.html'] === 'v50' ? true : undefined;
    });
    const count = (await settled()) - before;
    console.log(`coalescing: 50 spec updates → ${count} reconciles`);
    assert.ok(count < 25, `expected far fewer than 50 reconciles, got ${count}`);
    assert.ok(count >= 1);
  });

  test('deleting the Website garbage-collects its children', async () => {
    await env.kube.delete(WEBSITE.apiVersion, WEBSITE.kind, env.namespace, 'hello');
    await eventually(
      'children of hello gone',
      async () => {
        const left = await Promise.all([
          env.kube.get(DEPLOYMENT.apiVersion, DEPLOYMENT.kind, env.namespace, 'hello'),
          env.kube.get(CONFIGMAP.apiVersion, CONFIGMAP.kind, env.namespace, 'hello-html'),
        ]);
        return left.every((o) => o === undefined) ? true : undefined;
      },
      60_000,
    );
  });

  test('each reconcile logs the primary key and a traceparent that the worker logs too', () => {
    const relayLines = env.logs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === MSG_RECONCILED && l.key === `${env.namespace}/burst`);
    assert.ok(relayLines.length > 0);
    const workerTraces = new Set(env.worker.logLines().map((l) => l.traceparent));
    for (const line of relayLines) {
      assert.match(String(line.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      assert.ok(workerTraces.has(line.traceparent), `the worker logged ${String(line.traceparent)}`);
    }
  });

  test('the relay opens one watch per kind it needs, and none for Secrets', () => {
    const scopes = [...env.relay.informers.active().keys()].sort();
    assert.deepEqual(scopes, [
      `apps/v1/Deployment@${env.namespace}`,
      `${WEBSITE.apiVersion}/${WEBSITE.kind}@${env.namespace}`,
      `v1/ConfigMap@${env.namespace}`,
      `v1/Service@${env.namespace}`,
      `zeroloop.dev/v1alpha1/Reconciler@*?zeroloop.dev/test=${env.namespace}`,
    ]);
    assert.ok(scopes.every((s) => !s.startsWith('v1/Secret@')));
  });
}

for (const def of [WEBSITE_RECONCILER, WEBSITE_GO_RECONCILER]) {
  describe(`relay with the ${def.reconciler} reconciler`, () => {
    websiteSuite(def);
  });
}
