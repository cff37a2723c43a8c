// An in-memory apiserver for unit tests: the REST calls the applier, the finalizer, the Event recorder and the Lease lock make, kept by path, each one recorded.
//
// A fake, not a mock of any one test: it keeps objects and resourceVersions as the apiserver does
// for these calls (a create of an existing name and a write with a stale resourceVersion get 409,
// a missing object 404). What it does not model: field managers (server-side apply replaces the
// object, merging only `metadata` and `status`), selectors, watches. JSON patches apply `test`,
// `remove`, `add` and `replace`. The e2e tests cover those
// against a real kube-apiserver.
import { KubeApiError, type KubeRequester, type Method, type RequestOptions } from '../kube/client.ts';

type Obj = Record<string, unknown> & { metadata?: Record<string, unknown> };

/** One request as the fake received it. */
export interface SeenRequest {
  method: Method;
  path: string;
  query?: RequestOptions['query'];
  body?: unknown;
}

export class FakeKube implements KubeRequester {
  /** As the real client's default, which the leader's fence caps. */
  readonly defaultTimeoutMs = 30_000;
  /** Every request, in order. */
  readonly requests: SeenRequest[] = [];
  /** Objects by path (`/api/v1/namespaces/ns/configmaps/name`). */
  readonly objects = new Map<string, Obj>();
  #rv = 100;
  #uid = 0;
  #failures: { match: (r: SeenRequest) => boolean; error: () => Error; times: number }[] = [];

  /** The next `times` requests that `match` fail with `error()` instead of reaching the store. */
  failWhen(match: (r: SeenRequest) => boolean, error: () => Error, times = 1): void {
    this.#failures.push({ match, error, times });
  }

  /** Drops every failure set with failWhen: the apiserver answers again. */
  heal(): void {
    this.#failures = [];
  }

  /** A KubeApiError as the client throws it for `status` (0: no answer). */
  static error(method: string, path: string, status: number, reason = ''): KubeApiError {
    return new KubeApiError({ method, path, status, reason, message: reason || `status ${status}` });
  }

  /** Stores `object` at `path` with a fresh resourceVersion (and a uid if it has none); returns the stored copy. */
  put(path: string, object: Obj): Obj {
    const metadata = { ...object.metadata };
    metadata.resourceVersion = String(++this.#rv);
    metadata.uid ??= `uid-${++this.#uid}`;
    const stored = structuredClone({ ...object, metadata });
    this.objects.set(path, stored);
    return structuredClone(stored);
  }

  request(method: Method, path: string, options: RequestOptions = {}): Promise<unknown> {
    const seen: SeenRequest = {
      method,
      path,
      ...(options.query && { query: options.query }),
      ...(options.body !== undefined && { body: structuredClone(options.body) }),
    };
    this.requests.push(seen);
    const failure = this.#failures.find((f) => f.times > 0 && f.match(seen));
    if (failure) {
      failure.times--;
      return Promise.reject(failure.error());
    }
    try {
      return Promise.resolve(this.#serve(method, path, options));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #serve(method: Method, path: string, options: RequestOptions): unknown {
    const body = options.body as Obj | undefined;
    const existing = this.objects.get(path);
    switch (method) {
      case 'GET':
        if (!existing) throw FakeKube.error(method, path, 404, 'NotFound');
        return structuredClone(existing);
      case 'DELETE':
        if (!existing) throw FakeKube.error(method, path, 404, 'NotFound');
        this.objects.delete(path);
        return { kind: 'Status', status: 'Success' };
      case 'POST': {
        const name = body?.metadata?.name;
        if (typeof name !== 'string') throw FakeKube.error(method, path, 422, 'Invalid');
        const target = `${path}/${name}`;
        if (this.objects.has(target)) throw FakeKube.error(method, target, 409, 'AlreadyExists');
        return this.put(target, body ?? {});
      }
      case 'PUT':
        if (!existing) throw FakeKube.error(method, path, 404, 'NotFound');
        if (body?.metadata?.resourceVersion !== existing.metadata?.resourceVersion)
          throw FakeKube.error(method, path, 409, 'Conflict');
        return this.put(path, body ?? {});
      case 'PATCH':
        if (options.contentType === 'application/json-patch+json') return this.#jsonPatch(path, options.body);
        return this.#apply(path, body ?? {}, options.query?.dryRun !== undefined);
    }
  }

  /** A JSON patch (RFC 6902) of `test`, `remove`, `add` and `replace` ops; a failed test is 422, as the apiserver answers. */
  #jsonPatch(path: string, ops: unknown): Obj {
    const existing = this.objects.get(path);
    if (!existing) throw FakeKube.error('PATCH', path, 404, 'NotFound');
    const target = structuredClone(existing);
    for (const op of ops as { op: string; path: string; value?: unknown }[]) {
      const parts = op.path.split('/').slice(1);
      const last = parts.pop() ?? '';
      let parent: unknown = target;
      for (const part of parts) parent = (parent as Record<string, unknown> | undefined)?.[part];
      if (typeof parent !== 'object' || parent === null)
        throw FakeKube.error('PATCH', path, 422, `no parent for ${op.path}`);
      const container = parent as Record<string, unknown> & unknown[];
      const index = Array.isArray(container) ? Number(last) : -1;
      const current = Array.isArray(container) ? container[index] : container[last];
      if (op.op === 'test' && JSON.stringify(current) !== JSON.stringify(op.value))
        throw FakeKube.error('PATCH', path, 422, `test failed at ${op.path}`);
      if (op.op === 'remove') {
        if (current === undefined) throw FakeKube.error('PATCH', path, 422, `nothing at ${op.path}`);
        if (Array.isArray(container)) container.splice(index, 1);
        else Reflect.deleteProperty(container, last);
      }
      if (op.op === 'add' && Array.isArray(container))
        container.splice(last === '-' ? container.length : index, 0, op.value);
      else if (op.op === 'add' || op.op === 'replace') container[last] = op.value;
    }
    return this.put(path, target);
  }

  /** Server-side apply, simplified: the status subresource, or the object with its metadata merged. */
  #apply(path: string, body: Obj, dryRun: boolean): Obj {
    if (path.endsWith('/status')) {
      const parentPath = path.slice(0, -'/status'.length);
      const parent = this.objects.get(parentPath);
      if (!parent) throw FakeKube.error('PATCH', path, 404, 'NotFound');
      return this.put(parentPath, { ...parent, status: body.status });
    }
    const existing = this.objects.get(path);
    const merged: Obj = {
      ...existing,
      ...body,
      metadata: { ...existing?.metadata, ...body.metadata },
    };
    if (!dryRun) return this.put(path, merged);
    // A dry-run create has no resourceVersion yet; a dry-run update keeps the live one.
    const metadata = { ...merged.metadata };
    if (existing) metadata.resourceVersion = existing.metadata?.resourceVersion;
    else delete metadata.resourceVersion;
    return structuredClone({ ...merged, metadata });
  }
}
