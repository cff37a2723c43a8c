// The Lease as a lock, as client-go's resourcelock.LeaseLock: get, create and update one coordination.k8s.io/v1 Lease, each write carrying the resourceVersion it was computed from.
//
// Optimistic concurrency: a create of a Lease that exists, or an update computed from a stale read,
// gets 409 Conflict from the apiserver; both come back as `undefined` (someone else wrote first,
// this round is theirs). Every other failure is thrown.
import { KubeApiError, type KubeRequester } from '../kube/client.ts';
import { Lease, LEASE_API, type LeaseSpec } from './lease.ts';

/** Bounds one Lease request: its timeout, and the elector's stop. */
export interface LockRequestOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

export class LeaseLock {
  readonly namespace: string;
  readonly name: string;
  readonly #client: KubeRequester;
  readonly #collection: string;
  readonly #path: string;

  constructor(options: { client: KubeRequester; namespace: string; name: string }) {
    this.#client = options.client;
    this.namespace = options.namespace;
    this.name = options.name;
    this.#collection = `${LEASE_API}/namespaces/${encodeURIComponent(options.namespace)}/leases`;
    this.#path = `${this.#collection}/${encodeURIComponent(options.name)}`;
  }

  /** `namespace/name`. */
  get id(): string {
    return `${this.namespace}/${this.name}`;
  }

  /** The Lease, or undefined when it does not exist. */
  async get(options: LockRequestOptions = {}): Promise<Lease | undefined> {
    try {
      return Lease.parse(await this.#client.request('GET', this.#path, options));
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** Creates the Lease with `spec`; undefined when another relay created it first. */
  create(spec: LeaseSpec, options: LockRequestOptions = {}): Promise<Lease | undefined> {
    const body = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.name }, spec };
    return this.#write('POST', this.#collection, body, options);
  }

  /** Writes `spec` over `lease` as last read (its resourceVersion); undefined when someone wrote it since. */
  update(lease: Lease, spec: LeaseSpec, options: LockRequestOptions = {}): Promise<Lease | undefined> {
    return this.#write('PUT', this.#path, { ...lease, spec }, options);
  }

  async #write(
    method: 'POST' | 'PUT',
    path: string,
    body: unknown,
    options: LockRequestOptions,
  ): Promise<Lease | undefined> {
    try {
      return Lease.parse(await this.#client.request(method, path, { ...options, body }));
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 409) return undefined;
      throw error;
    }
  }
}
