// Smoke tests of the local control plane through @kubernetes/client-node: CRDs, server-side apply, GC, RBAC.
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment -- client-node's model "classes" are
   plain data shapes (serialized by field maps), and object literals are how its own docs build them. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  ApiException,
  ApiextensionsV1Api,
  AuthenticationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
  VersionApi,
  Watch,
} from '@kubernetes/client-node';
import type { KubernetesObject, V1ConfigMap } from '@kubernetes/client-node';
import { sharedControlPlane } from '../support/cluster.ts';
import { eventually } from '../support/kube.ts';
import type { SharedControlPlane } from '../support/cluster.ts';

const suffix = randomBytes(3).toString('hex');
const namespace = `zl-smoke-${suffix}`;

let plane: SharedControlPlane;
let core: CoreV1Api;

/** The HTTP status of a failed client call (the test fails if the call succeeds). */
async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ApiException) return error.code;
    throw error;
  }
  return assert.fail('expected the request to be refused');
}

before(async () => {
  plane = await sharedControlPlane();
  core = plane.kubeConfig.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
});

after(async () => {
  // The namespace controller deletes everything inside; no need to wait for it.
  await core.deleteNamespace({ name: namespace });
});

describe('local control plane', () => {
  test('serves TLS that only its own CA verifies', async () => {
    // Node's fetch trusts only public CAs: the self-signed serving certificate must be refused.
    await assert.rejects(fetch(`${plane.server}/version`), TypeError);
  });

  test('reports the pinned Kubernetes version', async () => {
    const version = await plane.kubeConfig.makeApiClient(VersionApi).getCode();
    assert.match(version.gitVersion, /^v1\.35\.\d+$/);
  });

  test('a CRD becomes Established and its custom resources can be created, read, listed and watched', async () => {
    const group = `s${suffix}.smoke.zeroloop.dev`;
    const plural = 'widgets';
    const crds = plane.kubeConfig.makeApiClient(ApiextensionsV1Api);
    await crds.createCustomResourceDefinition({
      body: {
        metadata: { name: `${plural}.${group}` },
        spec: {
          group,
          scope: 'Namespaced',
          names: { plural, singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: { type: 'object', properties: { size: { type: 'integer', minimum: 1 } } },
                  },
                },
              },
            },
          ],
        },
      },
    });
    try {
      await eventually('the CRD to be Established', async () => {
        const crd = await crds.readCustomResourceDefinition({ name: `${plural}.${group}` });
        return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') === true
          ? true
          : undefined;
      });
      const custom = plane.kubeConfig.makeApiClient(CustomObjectsApi);
      const ref = { group, version: 'v1', namespace, plural };
      // Right after Established the new API may still answer 404 (handler not installed yet) or 429 "storage is
      // (re)initializing" (its watch cache is filling); real clients retry both.
      const initial = await eventually('the widgets API to be served', async () => {
        try {
          return (await custom.listNamespacedCustomObject(ref)) as { metadata: { resourceVersion: string } };
        } catch (error) {
          if (error instanceof ApiException && (error.code === 404 || error.code === 429)) return undefined;
          throw error;
        }
      });

      const seen: { type: string; name: string | undefined }[] = [];
      const watch = await new Watch(plane.kubeConfig).watch(
        `/apis/${group}/v1/namespaces/${namespace}/${plural}`,
        { resourceVersion: initial.metadata.resourceVersion },
        (type: string, object: KubernetesObject) => {
          seen.push({ type, name: object.metadata?.name });
        },
        () => undefined,
      );
      try {
        await custom.createNamespacedCustomObject({
          ...ref,
          body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'first' }, spec: { size: 3 } },
        });
        const got = (await custom.getNamespacedCustomObject({ ...ref, name: 'first' })) as {
          spec: { size: number };
        };
        assert.equal(got.spec.size, 3);
        const list = (await custom.listNamespacedCustomObject(ref)) as { items: KubernetesObject[] };
        assert.deepEqual(
          list.items.map((i) => i.metadata?.name),
          ['first'],
        );
        await eventually('an ADDED watch event', () =>
          Promise.resolve(seen.some((e) => e.type === 'ADDED' && e.name === 'first') ? true : undefined),
        );
        // The schema is enforced: a string where an integer belongs is refused.
        const invalid = custom.createNamespacedCustomObject({
          ...ref,
          body: {
            apiVersion: `${group}/v1`,
            kind: 'Widget',
            metadata: { name: 'bad' },
            spec: { size: 'big' },
          },
        });
        assert.equal(await statusOf(invalid), 422);
      } finally {
        watch.abort();
      }
    } finally {
      await crds.deleteCustomResourceDefinition({ name: `${plural}.${group}` });
    }
  });

  test('server-side apply of the same ConfigMap twice leaves its resourceVersion unchanged', async () => {
    const manifest = (greeting: string): V1ConfigMap => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'applied', namespace },
      data: { greeting },
    });
    const apply = (body: V1ConfigMap): Promise<V1ConfigMap> =>
      core.patchNamespacedConfigMap(
        { name: 'applied', namespace, body, fieldManager: 'zeroloop-smoke', force: true },
        setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
      );
    const first = await apply(manifest('hello'));
    const second = await apply(manifest('hello'));
    const rv = first.metadata?.resourceVersion;
    assert.ok(rv);
    assert.equal(second.metadata?.resourceVersion, rv);
    assert.equal(
      second.metadata.managedFields?.find((f) => f.manager === 'zeroloop-smoke')?.operation,
      'Apply',
      'the field manager owns the applied fields',
    );
    // A changed apply does write, so the check above can fail.
    const third = await apply(manifest('changed'));
    assert.notEqual(third.metadata?.resourceVersion, rv);
  });

  test('a child with a controller ownerReference is garbage-collected after its owner is deleted', async () => {
    const owner = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'owner' } } });
    const uid = owner.metadata?.uid;
    assert.ok(uid);
    await core.createNamespacedConfigMap({
      namespace,
      body: {
        metadata: {
          name: 'child',
          ownerReferences: [
            {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              name: 'owner',
              uid,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
      },
    });
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'bystander' } } });
    await core.deleteNamespacedConfigMap({ name: 'owner', namespace });
    await eventually('the garbage collector to delete the child', async () => {
      try {
        await core.readNamespacedConfigMap({ name: 'child', namespace });
        return undefined;
      } catch (error) {
        if (error instanceof ApiException && error.code === 404) return true;
        throw error;
      }
    });
    // Only the dependent went: an unrelated object is untouched.
    const bystander = await core.readNamespacedConfigMap({ name: 'bystander', namespace });
    assert.equal(bystander.metadata?.name, 'bystander');
  });

  test('an identity without an RBAC grant is refused with 403, and allowed once granted', async () => {
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'nobody' } } });
    const tokenRequest = await core.createNamespacedServiceAccountToken({
      name: 'nobody',
      namespace,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const token = tokenRequest.status?.token;
    assert.ok(token);
    const cluster = plane.kubeConfig.getCurrentCluster();
    assert.ok(cluster);
    const asNobody = new KubeConfig();
    asNobody.loadFromOptions({
      clusters: [cluster],
      users: [{ name: 'nobody', token }],
      contexts: [{ name: 'nobody', cluster: cluster.name, user: 'nobody' }],
      currentContext: 'nobody',
    });

    // Authenticated (so a refusal is authorization, not a bad token)...
    const review = await asNobody.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: {} });
    assert.equal(review.status?.userInfo?.username, `system:serviceaccount:${namespace}:nobody`);
    // ...but not authorized.
    const nobodyCore = asNobody.makeApiClient(CoreV1Api);
    assert.equal(await statusOf(nobodyCore.listNamespacedSecret({ namespace })), 403);

    // Grant exactly that, and the same token is let through: RBAC is what decided.
    const rbac = plane.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace,
      body: {
        metadata: { name: 'read-secrets' },
        rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'nobody-reads-secrets' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-secrets' },
        subjects: [{ kind: 'ServiceAccount', name: 'nobody', namespace }],
      },
    });
    await eventually('the RoleBinding to take effect', async () => {
      try {
        return await nobodyCore.listNamespacedSecret({ namespace });
      } catch (error) {
        if (error instanceof ApiException && error.code === 403) return undefined;
        throw error;
      }
    });
  });
});
