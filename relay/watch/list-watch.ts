// The apiserver's ListerWatcher for one kind (optionally one namespace): paged list, watch with bookmarks.
import * as z from 'zod/mini';
import type { ListerWatcher, WatchEnd, WatchEvent } from './watcher.ts';
import type { KubeClient } from '../kube/client.ts';
import type { Discovery } from '../kube/discovery.ts';
import { collectionPath } from '../kube/discovery.ts';
import { asForbidden } from '../kube/forbidden.ts';
import { KObject, ListMeta, Status } from '../kube/object.ts';

const ListResponse = z.looseObject({ metadata: ListMeta, items: z.array(z.unknown()) });
/** kubectl's copy of the whole last applied manifest: often the largest annotation, never used by the relay. */
export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** Bound of the intern table: cleared when full, so unique values (uids, timestamps) cannot grow it. */
const INTERN_MAX = 20_000;
const interned = new Map<string, string>();

/** The one copy of `s` held for cached objects (JSON.parse gives every object its own). */
export function intern(s: string): string {
  const known = interned.get(s);
  if (known !== undefined) return known;
  if (interned.size >= INTERN_MAX) interned.clear();
  interned.set(s, s);
  return s;
}

/**
 * Drops what is large and never used by the relay or reconcilers, at ingest (client-go's TransformFunc
 * idea): managedFields and kubectl's last-applied-configuration annotation. Metadata strings that
 * repeat across objects (kind, namespace, owners, labels, the creation second) are interned: about
 * 0.2 KiB of each cached object's ~1.5 KiB (bench/results/relay-memory.md).
 */
export function trim(obj: KObject): KObject {
  const meta = obj.metadata;
  if ('managedFields' in meta) delete meta.managedFields;
  const annotations = meta.annotations;
  if (annotations && LAST_APPLIED in annotations) {
    Reflect.deleteProperty(annotations, LAST_APPLIED);
    if (Object.keys(annotations).length === 0) delete meta.annotations;
  }
  obj.apiVersion = intern(obj.apiVersion);
  obj.kind = intern(obj.kind);
  if (meta.namespace !== undefined) meta.namespace = intern(meta.namespace);
  if (typeof meta.creationTimestamp === 'string') meta.creationTimestamp = intern(meta.creationTimestamp);
  const labels = meta.labels;
  if (labels) for (const [key, value] of Object.entries(labels)) labels[key] = intern(value);
  for (const ref of meta.ownerReferences ?? []) {
    ref.apiVersion = intern(ref.apiVersion);
    ref.kind = intern(ref.kind);
    ref.name = intern(ref.name);
    ref.uid = intern(ref.uid);
  }
  return obj;
}

const RawWatchEvent = z.looseObject({ type: z.string(), object: z.unknown() });

/** The initial list of a watch failed: check RBAC (list) and that the kind exists. */
export class InitialListFailed extends Error {
  override readonly name = 'InitialListFailed';
}
/** Opening a watch failed: check RBAC (watch) and connectivity. */
export class WatchStartFailed extends Error {
  override readonly name = 'WatchStartFailed';
}

export interface KindScope {
  apiVersion: string;
  kind: string;
  /** Watch one namespace; undefined watches all. */
  namespace?: string | undefined;
  /** Only objects matching this label selector (Reconciler sharding; tests). */
  labelSelector?: string | undefined;
  /**
   * Only objects matching this field selector: `metadata.name=<name>` watches one object, which RBAC can
   * grant by name (`resourceNames`), as the hooks' Secrets are.
   */
  fieldSelector?: string | undefined;
}

export class ApiListerWatcher implements ListerWatcher {
  #client: KubeClient;
  #discovery: Discovery;
  #scope: KindScope;
  readonly pageSize: number;
  readonly watchTimeoutSeconds: number;

  constructor(options: {
    client: KubeClient;
    discovery: Discovery;
    scope: KindScope;
    pageSize?: number;
    watchTimeoutSeconds?: number;
  }) {
    this.#client = options.client;
    this.#discovery = options.discovery;
    this.#scope = options.scope;
    this.pageSize = options.pageSize ?? 500;
    // Under undici's 300 s body timeout, so the server ends an idle watch first (a clean close,
    // resumed from the last resourceVersion) instead of the client failing it (a re-list).
    this.watchTimeoutSeconds = options.watchTimeoutSeconds ?? 240 + Math.floor(Math.random() * 50);
  }

  async #path(): Promise<string> {
    const r = await this.#discovery.resource(this.#scope.apiVersion, this.#scope.kind);
    return collectionPath(r, this.#scope.namespace);
  }

  /** A 403 on `verb` as a Forbidden naming this scope's resource and namespace. */
  async #forbidden(error: unknown, verb: string): Promise<unknown> {
    if (!(error instanceof Error && 'status' in error && error.status === 403)) return error;
    const r = await this.#discovery.resource(this.#scope.apiVersion, this.#scope.kind);
    return asForbidden(error, {
      verb,
      apiVersion: r.apiVersion,
      resource: r.plural,
      namespace: r.namespaced ? this.#scope.namespace : undefined,
    });
  }

  async list(signal: AbortSignal): Promise<{ items: KObject[]; resourceVersion: string }> {
    const { apiVersion, kind } = this.#scope;
    try {
      const path = await this.#path();
      const items: KObject[] = [];
      let cont: string | undefined;
      let resourceVersion = '';
      do {
        const page = ListResponse.parse(
          await this.#client.request('GET', path, {
            query: {
              limit: this.pageSize,
              continue: cont,
              labelSelector: this.#scope.labelSelector,
              fieldSelector: this.#scope.fieldSelector,
            },
            signal,
          }),
        );
        // List items carry no apiVersion/kind; restore them so every cached object is self-describing.
        for (const raw of page.items)
          items.push(trim(KObject.parse({ apiVersion, kind, ...(raw as object) })));
        cont = page.metadata.continue === '' ? undefined : page.metadata.continue;
        resourceVersion = page.metadata.resourceVersion ?? resourceVersion;
      } while (cont);
      return { items, resourceVersion };
    } catch (error) {
      const cause = await this.#forbidden(error, 'list');
      throw new InitialListFailed(`listing ${apiVersion}/${kind}: ${String(cause)}`, { cause });
    }
  }

  async watch(
    resourceVersion: string,
    outer: AbortSignal,
    onEvent: (e: WatchEvent) => void,
  ): Promise<WatchEnd> {
    // Aborted in `finally`, so the HTTP stream closes however this watch ends.
    const own = new AbortController();
    const signal = AbortSignal.any([outer, own.signal]);
    try {
      return await this.#watch(resourceVersion, signal, onEvent);
    } finally {
      own.abort();
    }
  }

  async #watch(
    resourceVersion: string,
    signal: AbortSignal,
    onEvent: (e: WatchEvent) => void,
  ): Promise<WatchEnd> {
    let lines: AsyncIterable<string>;
    try {
      lines = await this.#client.stream(
        await this.#path(),
        {
          watch: true,
          allowWatchBookmarks: true,
          resourceVersion,
          labelSelector: this.#scope.labelSelector,
          fieldSelector: this.#scope.fieldSelector,
          timeoutSeconds: this.watchTimeoutSeconds,
        },
        signal,
      );
    } catch (error) {
      if (error instanceof Error && 'status' in error && error.status === 410) return 'gone';
      const cause = await this.#forbidden(error, 'watch');
      throw new WatchStartFailed(`watching ${this.#scope.apiVersion}/${this.#scope.kind}: ${String(cause)}`, {
        cause,
      });
    }
    try {
      for await (const line of lines) {
        if (line.length === 0) continue;
        const raw = RawWatchEvent.parse(JSON.parse(line));
        switch (raw.type) {
          case 'ADDED':
          case 'MODIFIED':
          case 'DELETED':
            onEvent({ type: raw.type, object: trim(KObject.parse(raw.object)) });
            break;
          case 'BOOKMARK': {
            const rv = z.looseObject({ metadata: ListMeta }).parse(raw.object).metadata.resourceVersion;
            if (rv) onEvent({ type: 'BOOKMARK', resourceVersion: rv });
            break;
          }
          case 'ERROR': {
            const status = Status.parse(raw.object);
            if (status.code === 410) return 'gone';
            throw new Error(`watch error ${status.code ?? '?'}: ${status.message ?? ''}`);
          }
          default:
            throw new Error(`unknown watch event type ${raw.type}`);
        }
      }
    } catch (error) {
      if (signal.aborted) return 'closed';
      throw error;
    }
    return 'closed';
  }
}
