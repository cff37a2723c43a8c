// Resolves a kind (apiVersion + kind) to its REST resource (plural, namespaced) via API discovery, cached.
import * as z from 'zod/mini';
import type { KubeClient } from './client.ts';

export interface ResourceInfo {
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

/** Discovery found no resource for this kind: install its CRD, or fix the apiVersion/kind. */
export class KindNotFound extends Error {
  override readonly name = 'KindNotFound';
  constructor(apiVersion: string, kind: string) {
    super(`no resource for ${apiVersion}/${kind} on the apiserver: install its CRD or fix the kind`);
  }
}

const ApiResourceList = z.looseObject({
  resources: z.array(z.looseObject({ name: z.string(), kind: z.string(), namespaced: z.boolean() })),
});

function versionPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/** `/api/v1/namespaces/ns/pods` or `/apis/apps/v1/deployments`. */
export function collectionPath(r: ResourceInfo, namespace?: string): string {
  const ns = r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${versionPath(r.apiVersion)}${ns}/${r.plural}`;
}

export function objectPath(
  r: ResourceInfo,
  namespace: string | undefined,
  name: string,
  sub?: string,
): string {
  return `${collectionPath(r, namespace)}/${encodeURIComponent(name)}${sub ? `/${sub}` : ''}`;
}

export class Discovery {
  #client: Pick<KubeClient, 'request'>;
  #cache = new Map<string, Promise<Map<string, ResourceInfo>>>();

  constructor(client: Pick<KubeClient, 'request'>) {
    this.#client = client;
  }

  /** The resource of a kind; refreshes once on a miss (a CRD may have been installed since). */
  async resource(apiVersion: string, kind: string): Promise<ResourceInfo> {
    const found = (await this.#group(apiVersion, false)).get(kind);
    if (found) return found;
    const fresh = (await this.#group(apiVersion, true)).get(kind);
    if (fresh) return fresh;
    throw new KindNotFound(apiVersion, kind);
  }

  #group(apiVersion: string, refresh: boolean): Promise<Map<string, ResourceInfo>> {
    let entry = this.#cache.get(apiVersion);
    if (!entry || refresh) {
      entry = this.#load(apiVersion);
      this.#cache.set(apiVersion, entry);
      // A failed lookup must not stay cached.
      entry.catch(() => this.#cache.delete(apiVersion));
    }
    return entry;
  }

  async #load(apiVersion: string): Promise<Map<string, ResourceInfo>> {
    let raw: unknown;
    try {
      raw = await this.#client.request('GET', versionPath(apiVersion));
    } catch (error) {
      if (error instanceof Error && 'status' in error && error.status === 404) return new Map();
      throw error;
    }
    const list = ApiResourceList.parse(raw);
    const out = new Map<string, ResourceInfo>();
    for (const r of list.resources) {
      if (r.name.includes('/')) continue; // subresources
      out.set(r.kind, { apiVersion, kind: r.kind, plural: r.name, namespaced: r.namespaced });
    }
    return out;
  }
}
