// Applies manifests to a cluster (server-side apply, YAML files, CRDs waited until Established); shared with e2e tests.
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadAll } from 'js-yaml';
import { KubeApiError, KubeClient } from '../relay/kube/client.ts';
import type { ResourceInfo } from '../relay/kube/discovery.ts';
import { Discovery, objectPath } from '../relay/kube/discovery.ts';
import { KObject } from '../relay/kube/object.ts';
import type { RestConfig } from '../relay/kube/rest-config.ts';
import { errorMessage } from '../src/error-message.ts';

/** A step of applying manifests failed; names the object and what to do. */
export class ApplyManifestFailed extends Error {
  override readonly name = 'ApplyManifestFailed';
  /** `Kind namespace/name` of the object. */
  readonly object: string;
  constructor(object: string, cause: unknown) {
    const why = errorMessage(cause);
    super(`could not apply ${object}: ${why}; check the manifest and that the cluster is reachable`, {
      cause,
    });
    this.object = object;
  }
}

/** A condition did not come true in time. */
export class WaitTimedOut extends Error {
  override readonly name = 'WaitTimedOut';
}

export interface ManifestsOptions {
  /** The server-side apply field manager. */
  fieldManager: string;
}

/** Server-side apply and friends over the relay's own KubeClient and Discovery. */
export class Manifests {
  readonly client: KubeClient;
  readonly discovery: Discovery;
  readonly #fieldManager: string;

  constructor(restConfig: RestConfig, options: ManifestsOptions) {
    this.client = new KubeClient(restConfig);
    this.discovery = new Discovery(this.client);
    this.#fieldManager = options.fieldManager;
  }

  resource(apiVersion: string, kind: string): Promise<ResourceInfo> {
    return this.discovery.resource(apiVersion, kind);
  }

  /** Server-side apply (forced), returns the object as stored. */
  async apply(obj: Record<string, unknown>): Promise<KObject> {
    const o = KObject.parse(obj);
    const r = await this.resource(o.apiVersion, o.kind);
    return KObject.parse(
      await this.client.request('PATCH', objectPath(r, o.metadata.namespace, o.metadata.name), {
        query: { fieldManager: this.#fieldManager, force: true },
        body: o,
        contentType: 'application/apply-patch+yaml',
      }),
    );
  }

  /**
   * Applies every document of a YAML file, in order; CRDs are waited for until Established.
   * `namespace`, when given, replaces the namespace of every namespaced document.
   */
  async applyFile(path: string | URL, options: { namespace?: string } = {}): Promise<KObject[]> {
    const out: KObject[] = [];
    for (const doc of loadAll(await readFile(path, 'utf8'))) {
      if (doc === null || doc === undefined) continue;
      const parsed = KObject.safeParse(doc);
      if (!parsed.success) throw new ApplyManifestFailed(`a document of ${String(path)}`, parsed.error);
      const obj = parsed.data;
      if (options.namespace !== undefined && (await this.resource(obj.apiVersion, obj.kind)).namespaced) {
        obj.metadata.namespace = options.namespace;
      }
      const label = `${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`;
      let applied: KObject;
      try {
        applied = await this.apply(obj);
      } catch (error) {
        throw new ApplyManifestFailed(label, error);
      }
      if (applied.kind === 'CustomResourceDefinition') await this.established(applied.metadata.name);
      out.push(applied);
    }
    return out;
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

  /** Deletes (background propagation); a missing object is fine. */
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

  /** Waits until the CRD `name` reports Established=True. */
  async established(name: string, timeoutMs = 30_000): Promise<void> {
    await until(
      `CRD ${name} established`,
      async () => {
        const crd = (await this.get(
          'apiextensions.k8s.io/v1',
          'CustomResourceDefinition',
          undefined,
          name,
        )) as { status?: { conditions?: { type: string; status: string }[] } } | undefined;
        return crd?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')
          ? true
          : undefined;
      },
      timeoutMs,
    );
  }
}

/** Polls `check` every 100 ms until it returns something other than undefined; throws WaitTimedOut after `timeoutMs`. */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
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
      const why = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new WaitTimedOut(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await sleep(100);
  }
}
