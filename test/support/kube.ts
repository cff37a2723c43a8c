// Small apiserver helpers for e2e tests: apply (shared with npm start), create/patch/list/events, wait for a condition.
import { Manifests, until } from '../../local/kube.ts';
import { collectionPath, objectPath } from '../../relay/kube/discovery.ts';
import { KObject } from '../../relay/kube/object.ts';
import type { RestConfig } from '../../relay/kube/rest-config.ts';

/** Test helpers over the shared apply code of `npm start` (local/kube.ts), as field manager `e2e`. */
export class TestKube extends Manifests {
  constructor(restConfig: RestConfig) {
    super(restConfig, { fieldManager: 'e2e' });
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

/** Polls `check` until it returns something other than undefined, or fails after `timeoutMs` (30 s). */
export function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  return until(what, check, timeoutMs);
}
