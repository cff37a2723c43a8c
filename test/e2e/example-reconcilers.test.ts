// The example reconcilers against a real apiserver: CRDs install, samples validate, and every object the BUILT components desire is accepted.
//
// No relay here: the test plays its part by hand (read the stored primary, call the component,
// server-side apply what it answers with dryRun=All), so a desired object or status that a real
// apiserver would refuse fails here, next to the reconciler that produced it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { KubeApiError, KubeClient } from '../../relay/kube/client.ts';
import type { KubeObject } from '../../src/protocol/schemas.ts';
import type { ReconcilerExports } from '../../src/contract/wit.ts';
import { expectOk, loadBuilt, readYamlObjects, reconcile, requestFor } from '../../cli/testing/component.ts';
import { sharedControlPlane } from '../support/cluster.ts';
import { eventually } from '../support/kube.ts';

const namespace = `zl-examples-${randomBytes(3).toString('hex')}`;
const MANAGER = 'zeroloop-e2e-examples';
const APPLY = 'application/apply-patch+yaml';
const PLURALS: Record<string, string> = {
  Website: 'websites',
  GoWebsite: 'gowebsites',
  Database: 'databases',
  Deployment: 'deployments',
  StatefulSet: 'statefulsets',
  Service: 'services',
  ConfigMap: 'configmaps',
};

let kube: KubeClient;

function pathOf(obj: KubeObject, subresource = ''): string {
  const plural = PLURALS[obj.kind];
  assert.ok(plural, `no plural known for ${obj.kind}`);
  const base = obj.apiVersion.includes('/') ? `/apis/${obj.apiVersion}` : `/api/${obj.apiVersion}`;
  return `${base}/namespaces/${namespace}/${plural}/${obj.metadata.name}${subresource}`;
}

/** Server-side apply; `dryRun` validates (schema, defaults, admission) without storing anything. */
async function apply(obj: KubeObject, options: { dryRun?: boolean; subresource?: string } = {}) {
  return (await kube.request('PATCH', pathOf(obj, options.subresource), {
    body: obj,
    contentType: APPLY,
    query: { fieldManager: MANAGER, force: true, ...(options.dryRun ? { dryRun: 'All' } : {}) },
  })) as KubeObject;
}

/** Applies a CRD (idempotent: other tests may install the same one) and waits until its API is served. */
async function installCrd(file: URL): Promise<void> {
  const [crd] = await readYamlObjects(file);
  assert.ok(crd);
  await kube.request(
    'PATCH',
    `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`,
    {
      body: crd,
      contentType: APPLY,
      query: { fieldManager: MANAGER, force: true },
    },
  );
  const spec = crd.spec as { group: string; names: { plural: string }; versions: { name: string }[] };
  const list = `/apis/${spec.group}/${spec.versions[0]?.name ?? ''}/namespaces/${namespace}/${spec.names.plural}`;
  await eventually(`${crd.metadata.name} to be served`, async () => {
    try {
      return await kube.request('GET', list);
    } catch (error) {
      // Right after Established the API may answer 404 or 429 for a moment.
      if (error instanceof KubeApiError && (error.status === 404 || error.status === 429)) return undefined;
      throw error;
    }
  });
}

async function statusOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 200;
  } catch (error) {
    if (error instanceof KubeApiError) return error.status;
    throw error;
  }
}

before(async () => {
  const plane = await sharedControlPlane();
  kube = new KubeClient(plane.restConfig);
  await kube.request('POST', '/api/v1/namespaces', {
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
  });
});

after(async () => {
  await kube.request('DELETE', `/api/v1/namespaces/${namespace}`).catch(() => undefined);
});

for (const name of ['website', 'website-go', 'database']) {
  describe(`${name} example`, () => {
    let component: ReconcilerExports;
    const dir = new URL(`../../reconcilers/${name}/`, import.meta.url);

    before(async () => {
      component = await loadBuilt(name);
      await installCrd(new URL('crd.yaml', dir));
    });

    test(`${name} samples are accepted, and what the component desires for them passes the apiserver's validation`, async () => {
      const files = (await readdir(new URL('samples/', dir))).filter((f) => f.endsWith('.yaml'));
      assert.ok(files.length > 0);
      for (const file of files) {
        for (const sample of await readYamlObjects(new URL(`samples/${file}`, dir))) {
          const stored = await apply({ ...sample, metadata: { ...sample.metadata, namespace } });
          // The primary as the relay would pass it: defaults filled in, managedFields and all.
          const response = expectOk(reconcile(component, requestFor(stored)));
          assert.ok(response.desired.length > 0);
          for (const desired of response.desired) {
            const checked = await apply(desired, { dryRun: true });
            assert.equal(checked.kind, desired.kind, `${file}: ${desired.kind} ${desired.metadata.name}`);
          }
          assert.ok(response.status);
          const withStatus = await apply(
            {
              apiVersion: stored.apiVersion,
              kind: stored.kind,
              metadata: { name: stored.metadata.name, namespace },
              status: response.status,
            },
            { subresource: '/status' },
          );
          assert.deepEqual(
            withStatus.status,
            response.status,
            `${file}: the status round-trips through the CRD schema`,
          );
          // Reconciling the stored object again (status now present) gives the same status: no write loop.
          const again = expectOk(reconcile(component, requestFor(withStatus)));
          assert.deepEqual(again.status, response.status);
        }
      }
    });

    test(`${name} converges: applying its answer, then reconciling with what was stored, writes nothing new`, async () => {
      const files = (await readdir(new URL('samples/', dir))).filter((f) => f.endsWith('.yaml'));
      const [sample] = await readYamlObjects(new URL(`samples/${files[0] ?? ''}`, dir));
      assert.ok(sample);
      const stored = await apply({
        ...sample,
        metadata: { ...sample.metadata, name: `${name}-converge`, namespace },
      });
      // Play the relay (less ownerReferences): apply the answer for real, then reconcile again from
      // what was stored. The status legitimately changes once the children exist, so two passes; the
      // third answer must then be a fixed point that re-applies without writing anything.
      const statusOf = (primary: KubeObject, status: unknown): KubeObject => ({
        apiVersion: primary.apiVersion,
        kind: primary.kind,
        metadata: { name: primary.metadata.name, namespace },
        status,
      });
      let primary = stored;
      let owned: KubeObject[] = [];
      let answer = expectOk(reconcile(component, requestFor(primary)));
      for (let pass = 1; pass <= 2; pass++) {
        owned = [];
        for (const obj of answer.desired) owned.push(await apply(obj));
        primary = await apply(statusOf(primary, answer.status), { subresource: '/status' });
        answer = expectOk(reconcile(component, requestFor(primary, { owned })));
      }
      for (const [i, obj] of answer.desired.entries()) {
        const reapplied = await apply(obj);
        assert.equal(
          reapplied.metadata.resourceVersion,
          owned[i]?.metadata.resourceVersion,
          `${obj.kind} ${obj.metadata.name} was written again`,
        );
      }
      const restatused = await apply(statusOf(primary, answer.status), { subresource: '/status' });
      assert.equal(
        restatused.metadata.resourceVersion,
        primary.metadata.resourceVersion,
        'status written again',
      );
    });
  });
}

test('the CRD schemas refuse what the reconcilers would answer with err', async () => {
  const bad: KubeObject[] = [
    {
      apiVersion: 'examples.zeroloop.dev/v1alpha1',
      kind: 'Database',
      metadata: { name: 'zero', namespace },
      spec: { members: 0 },
    },
    {
      apiVersion: 'examples.zeroloop.dev/v1alpha1',
      kind: 'Database',
      metadata: { name: 'none', namespace },
      spec: {},
    },
    {
      apiVersion: 'examples.zeroloop.dev/v1alpha1',
      kind: 'Website',
      metadata: { name: 'neg', namespace },
      spec: { replicas: -1 },
    },
    {
      apiVersion: 'examples.zeroloop.dev/v1alpha1',
      kind: 'Website',
      metadata: { name: 'str', namespace },
      spec: { replicas: 'three' },
    },
  ];
  for (const obj of bad) {
    // A create, not an apply: server-side apply answers a string-for-integer field with 500 (it cannot
    // build the typed patch), a create answers 422 Invalid like any schema violation.
    const collection = pathOf(obj).replace(/\/[^/]+$/, '');
    const create = kube.request('POST', collection, { body: obj, query: { dryRun: 'All' } });
    assert.equal(await statusOf(create), 422, `${obj.kind} ${obj.metadata.name}`);
  }
});
