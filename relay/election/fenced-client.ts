// The leader's write fence in front of the kube client: a write goes out only while this relay leads, with a timeout that never outlives its lease; reads always pass.
//
// The elector owns it (`LeaderElector.fence(client)`); everything that writes for the relay
// (applier, finalizer, Events, Reconciler status) gets the fenced client. It counts the writes in
// flight, so a leader stepping down releases its Lease only once they are answered.
import type { KubeRequester, Method, RequestOptions } from '../kube/client.ts';

/** A write was refused because this relay does not hold the Lease (never did, lost it, or is stepping down). */
export class NotLeader extends Error {
  override readonly name = 'NotLeader';
  constructor(method: string, path: string, lease: string) {
    super(
      `${method} ${path} refused: this relay does not hold Lease ${lease} (a follower, or a leader that could not renew); the leader will write it`,
    );
  }
}

/**
 * Decides whether a write may go out now: throws when it may not (NotLeader), else returns how long
 * (ms) the write may take, which caps its timeout.
 */
export interface WriteFence {
  permit(method: string, path: string): number;
}

export class FencedClient implements KubeRequester {
  readonly #client: KubeRequester;
  readonly #fence: WriteFence;
  readonly #defaultTimeoutMs: number;
  #writesInFlight = 0;
  #writesDrained: PromiseWithResolvers<undefined> | undefined;

  /** `defaultTimeoutMs`: the client's own default, capped by the fence too. */
  constructor(client: KubeRequester & { defaultTimeoutMs: number }, fence: WriteFence) {
    this.#client = client;
    this.#fence = fence;
    this.#defaultTimeoutMs = client.defaultTimeoutMs;
  }

  async request(method: Method, path: string, options: RequestOptions = {}): Promise<unknown> {
    if (method === 'GET') return this.#client.request(method, path, options);
    const timeoutMs = Math.min(options.timeoutMs ?? this.#defaultTimeoutMs, this.#fence.permit(method, path));
    this.#writesInFlight++;
    try {
      return await this.#client.request(method, path, { ...options, timeoutMs });
    } finally {
      if (--this.#writesInFlight === 0) {
        this.#writesDrained?.resolve(undefined);
        this.#writesDrained = undefined;
      }
    }
  }

  /** Resolves once no write is in flight (a stepping-down leader waits for this before releasing its Lease). */
  writesDrained(): Promise<void> {
    if (this.#writesInFlight === 0) return Promise.resolve();
    this.#writesDrained ??= Promise.withResolvers<undefined>();
    return this.#writesDrained.promise;
  }
}
