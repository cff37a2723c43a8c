// Small apiserver helpers for e2e tests: apply YAML files and CRDs, create/patch/delete, wait for a condition.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadAll } from 'js-yaml';
import { KubeApiError, KubeClient } from '../../relay/kube/client.ts';
import type { ResourceInfo } from '../../relay/kube/discovery.ts';
import { Discovery, objectPath, collectionPath } from '../../relay/kube/discovery.ts';
import { KObject } from '../../relay/kube/object.ts';
import type { KubeConfig } from '@kubernetes/client-node';

export class TestKube {
  readonly client: KubeClient;
  readonly discovery: Discovery;

  constructor(kubeConfig: KubeConfig) {
    this.client = new KubeClient(kubeConfig);
    this.discovery = new Discovery(this.client);
  }

  resource(apiVersion: string, kind: string): Promise<ResourceInfo> {
    return this.discovery.resource(apiVersion, kind);
  }

  /** Server-side apply (field manager `e2e`), returns the object as stored. */
  async apply(obj: Record<string, unknown>): Promise<KObject> {
    const o = KObject.parse(obj);
    const r = await this.resource(o.apiVersion, o.kind);
    return KObject.parse(
      await this.client.request('PATCH', objectPath(r, o.metadata.namespace, o.metadata.name), {
        query: { fieldManager: 'e2e', force: true },
        body: o,
        contentType: 'application/apply-patch+yaml',
      }),
    );
  }

  /** Applies every document of a YAML file; CRDs are waited for until Established. */
  async applyFile(path: string | URL): Promise<KObject[]> {
    const out: KObject[] = [];
    for (const doc of loadAll(readFileSync(path, 'utf8'))) {
      if (doc === null || doc === undefined) continue;
      const obj = await this.apply(doc as Record<string, unknown>);
      if (obj.kind === 'CustomResourceDefinition') await this.established(obj.metadata.name);
      out.push(obj);
    }
    return out;
  }

  async established(crd: string): Promise<void> {
    await eventually(`CRD ${crd} established`, async () => {
      const obj = (await this.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', undefined, crd)) as
        { status?: { conditions?: { type: string; status: string }[] } } | undefined;
      return obj?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')
        ? true
        : undefined;
    });
  }

  async get(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
  ): Promise<KObject | undefined> {
    const r = await this.resource(apiVersion, kind);
    try {
      return KObject.parse(await this.client.request('GET', objectPath(r, namespace, name)));
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  async list(
    apiVersion: string,
    kind: string,
    namespace?: string,
    labelSelector?: string,
  ): Promise<KObject[]> {
    const r = await this.resource(apiVersion, kind);
    const raw = (await this.client.request('GET', collectionPath(r, namespace), {
      query: { labelSelector },
    })) as {
      items: unknown[];
    };
    return raw.items.map((i) => KObject.parse({ apiVersion, kind, ...(i as object) }));
  }

  async create(obj: Record<string, unknown>): Promise<KObject> {
    const o = KObject.parse(obj);
    const r = await this.resource(o.apiVersion, o.kind);
    return KObject.parse(
      await this.client.request('POST', collectionPath(r, o.metadata.namespace), { body: o }),
    );
  }

  /** JSON merge patch; `sub` = 'status' patches the status subresource. */
  async patch(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    sub?: string,
  ): Promise<KObject> {
    const r = await this.resource(apiVersion, kind);
    return KObject.parse(
      await this.client.request('PATCH', objectPath(r, namespace, name, sub), {
        body: patch,
        contentType: 'application/merge-patch+json',
      }),
    );
  }

  async delete(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<void> {
    const r = await this.resource(apiVersion, kind);
    try {
      await this.client.request('DELETE', objectPath(r, namespace, name), {
        body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background' },
      });
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 404)) throw error;
    }
  }

  /** Events whose involvedObject is `name` in `namespace`. */
  async events(
    namespace: string,
    name: string,
  ): Promise<{ type: string; reason: string; message: string }[]> {
    const raw = (await this.client.request('GET', `/api/v1/namespaces/${namespace}/events`, {
      query: { fieldSelector: `involvedObject.name=${name}` },
    })) as { items: { type: string; reason: string; message: string }[] };
    return raw.items;
  }
}

/** Polls `check` until it returns something other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      assert.fail(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError instanceof Error ? lastError.message : JSON.stringify(lastError)}` : ''}`,
      );
    }
    await sleep(100);
  }
}
