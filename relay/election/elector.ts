// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does: one relay leads, the others follow and take over when its Lease expires.
//
// Contract (relay/README.md, "High availability"):
// - at most one relay believes it leads at any instant, provided clocks run at the same rate: a
//   leader stops (`leading` turns false, the fence closes) `renewDeadlineMs` after it last SENT a
//   successful renewal, while a follower takes over no sooner than `leaseDurationMs` after it SAW
//   that renewal. The difference (5 s by default) covers a write already in flight;
// - every write to the Lease carries the resourceVersion it was computed from (optimistic
//   concurrency): of two relays racing for a free Lease, one gets 409 Conflict and keeps following;
// - a leader that cannot renew within `renewDeadlineMs` loses leadership for good (`lost`
//   resolves); it never reacquires in the same process, as controller-runtime's managers exit;
// - `stop({ release: true })` steps down by writing an empty holder with a 1 s lease, so a
//   follower takes over at its next retry instead of waiting out the lease.
import type { Clock, Timer } from '../clock.ts';
import { realClock, sleep } from '../clock.ts';
import type { KubeRequester } from '../kube/client.ts';
import type { Logger } from '../observe/log.ts';
import { FencedClient, NotLeader } from './fenced-client.ts';
import { attempt, type Lease, type LeaseSpec, microTime, released } from './lease.ts';
import { LeaseLock } from './lease-lock.ts';
import { type ElectionTiming, electionTiming, RETRY_JITTER } from './timing.ts';

export { ELECTION_DEFAULTS, LeaderElectionConfigInvalid, RETRY_JITTER } from './timing.ts';
export { NotLeader } from './fenced-client.ts';

/** The messages of the elector's log lines that tools and tests match. */
export const MSG_LEADERSHIP_ACQUIRED = 'leadership acquired';
export const MSG_LEADERSHIP_RELEASED = 'leadership released';

/** Which Lease, who this relay is, and the timings: what `startRelay({ leaderElection })` and env.ts give. */
export interface LeaderElectionOptions {
  /** Where the Lease lives (the relay's namespace). */
  namespace: string;
  /** The Lease's name; every replica uses the same one. */
  name: string;
  /** This relay's identity in `holderIdentity`: the Pod's name. */
  identity: string;
  /** Defaults: ELECTION_DEFAULTS. */
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

export interface LeaderElectorOptions extends LeaderElectionOptions {
  /** A client of its own: the relay's other writes go through this elector's fence. */
  client: KubeRequester;
  clock?: Clock;
  log: Logger;
  random?: () => number;
  /** Called on every change of who leads (this relay or another), with the new holder ('' when released). */
  onLeaderChange?: (holder: string, self: boolean) => void;
  /** Called on every state change (leading, lost, stopped). */
  onTransition?: (state: ElectionState) => void;
}

/** The elector's state: each change is logged and counted. */
export type ElectionState =
  /** Trying to acquire; `leader` is the holder last seen, if any. */
  | { state: 'following'; leader: string | undefined }
  /** Holding the Lease; `renewedAt` is when (on this clock) the last successful renewal was sent. */
  | { state: 'leading'; renewedAt: number }
  /** Could not renew in time: writes are fenced for good. */
  | { state: 'lost'; reason: string }
  /** stop() ran: the loop has ended. */
  | { state: 'stopped' };

export class LeaderElector {
  readonly lease: string;
  readonly identity: string;
  #o: LeaderElectorOptions;
  #lock: LeaseLock;
  #clock: Clock;
  #log: Logger;
  #timing: ElectionTiming;
  #state: ElectionState = { state: 'following', leader: undefined };
  /** The Lease as last read or written, and when (on this clock) its spec last changed. */
  #observed: { lease: Lease; raw: string; at: number } | undefined;
  #deadline: Timer | undefined;
  /** How long the holder's lease has left, as of the last attempt that found it held. */
  #expiresInMs: number | undefined;
  #stopping = new AbortController();
  #loop: Promise<void> | undefined;
  #acquired = Promise.withResolvers<undefined>();
  #lost = Promise.withResolvers<string>();

  constructor(options: LeaderElectorOptions) {
    this.#o = options;
    this.#clock = options.clock ?? realClock;
    this.identity = options.identity;
    this.#lock = new LeaseLock(options);
    this.lease = this.#lock.id;
    this.#log = options.log.child({
      component: 'leader-election',
      lease: this.lease,
      identity: this.identity,
    });
    this.#timing = electionTiming(options);
  }

  get state(): ElectionState {
    return this.#state;
  }

  /** Whether this relay may write now: it holds the Lease and its last renewal is within the renew deadline. */
  get leading(): boolean {
    return this.fenceRemainingMs() > 0;
  }

  /** The holder last seen ('' when released), or undefined before the first read. */
  get leader(): string | undefined {
    if (this.#state.state === 'leading') return this.identity;
    return this.#observed?.lease.spec?.holderIdentity ?? undefined;
  }

  /** Resolves once this relay first leads. */
  get acquired(): Promise<void> {
    return this.#acquired.promise;
  }

  /** Resolves (with the reason) when a leader could not renew in time. */
  get lost(): Promise<string> {
    return this.#lost.promise;
  }

  /** How long writes stay allowed (ms): 0 unless leading; a write's timeout is capped to it. */
  fenceRemainingMs(): number {
    if (this.#state.state !== 'leading') return 0;
    return Math.max(0, this.#state.renewedAt + this.#timing.renewDeadlineMs - this.#clock.now());
  }

  /** The write fence: a write's timeout, or NotLeader. */
  permit(method: string, path: string): number {
    const remaining = this.fenceRemainingMs();
    if (remaining <= 0) throw new NotLeader(method, path, this.lease);
    return remaining;
  }

  /** `client` behind this elector's write fence: what everything that writes for the relay uses. */
  fence(client: KubeRequester & { defaultTimeoutMs: number }): FencedClient {
    return new FencedClient(client, this);
  }

  /** Starts the acquire/renew loop. */
  run(): void {
    this.#loop ??= this.#run();
  }

  /** Ends the loop; with `release` a leader steps down (empty holder, 1 s lease) so a follower takes over at once. */
  async stop(options: {
    release: boolean;
    /** Resolves once the writes sent before the fence closed are answered; the release waits for it. */
    drained?: () => Promise<void>;
  }): Promise<void> {
    const wasLeading = this.#state.state === 'leading';
    this.#deadline?.cancel();
    this.#transition({ state: 'stopped' });
    this.#stopping.abort();
    await this.#loop;
    if (!wasLeading || !options.release) return;
    await options.drained?.();
    await this.#release();
  }

  async #run(): Promise<void> {
    const signal = this.#stopping.signal;
    const { retryPeriodMs } = this.#timing;
    while (!signal.aborted && this.#state.state !== 'lost') {
      const sentAt = this.#clock.now();
      let acquired = false;
      try {
        acquired = await this.#tryAcquireOrRenew(sentAt);
      } catch (error) {
        if (this.#state.state === 'stopped') return;
        this.#log.warn('could not read or write the Lease; retrying', { error });
      }
      const state = this.#state;
      if (acquired && state.state === 'leading') {
        this.#renewed(sentAt);
      } else if (acquired && state.state === 'following') {
        this.#transition({ state: 'leading', renewedAt: sentAt });
        this.#renewed(sentAt);
        this.#acquired.resolve(undefined);
      }
      const following = this.#state.state === 'following';
      let delay = retryPeriodMs * (following ? 1 + RETRY_JITTER * (this.#o.random ?? Math.random)() : 1);
      // A follower also tries the moment the holder's lease expires, not up to a retry period later.
      if (following && this.#expiresInMs !== undefined) delay = Math.min(delay, this.#expiresInMs + 1);
      await sleep(this.#clock, delay, signal).catch(() => undefined);
    }
  }

  /** A renewal sent at `sentAt` succeeded: the fence stays open until `sentAt + renewDeadline`. */
  #renewed(sentAt: number): void {
    if (this.#state.state !== 'leading') return;
    this.#state = { state: 'leading', renewedAt: sentAt };
    this.#deadline?.cancel();
    this.#deadline = this.#clock.setTimer(() => {
      if (this.#state.state !== 'leading' || this.fenceRemainingMs() > 0) return;
      const reason = `no successful renewal within the renew deadline (${this.#timing.renewDeadlineMs} ms)`;
      this.#transition({ state: 'lost', reason });
      this.#lost.resolve(reason);
    }, this.#timing.renewDeadlineMs);
  }

  /** One attempt: read the Lease (create it if missing), then write it if it is ours or expired. True when this relay holds it. */
  async #tryAcquireOrRenew(now: number): Promise<boolean> {
    this.#expiresInMs = undefined;
    const request = { timeoutMs: this.#requestTimeoutMs(), signal: this.#stopping.signal };
    const lease = await this.#lock.get(request);
    if (!lease) {
      const leaseDurationSeconds = this.#timing.leaseDurationMs / 1000;
      const spec = { holderIdentity: this.identity, leaseDurationSeconds, leaseTransitions: 0 };
      const created = await this.#lock.create(
        { ...spec, acquireTime: microTime(now), renewTime: microTime(now) },
        request,
      );
      if (created) this.#observe(created, now);
      return created !== undefined;
    }
    // As client-go: a change counts from when this read returned (later than the holder's renewal).
    this.#observe(lease, this.#clock.now());
    const observedAt = this.#observed?.at ?? now;
    const decided = attempt({
      current: lease.spec ?? {},
      observedAt,
      now,
      identity: this.identity,
      leaseDurationSeconds: this.#timing.leaseDurationMs / 1000,
    });
    if (decided.kind === 'held') {
      this.#expiresInMs = decided.expiresInMs;
      return false;
    }
    // Lost between the read and now: never renew after the deadline (the fence is closed for good).
    if (this.#state.state !== 'following' && this.#state.state !== 'leading') return false;
    // A 409 (someone else wrote it since our read) comes back undefined: they won this round.
    const written = await this.#lock.update(lease, { ...lease.spec, ...decided.spec }, request);
    if (written) this.#observe(written, now);
    return written !== undefined;
  }

  /** A leader's request may not outlive its fence; a follower's is bounded by the renew deadline. */
  #requestTimeoutMs(): number {
    return this.#state.state === 'leading'
      ? Math.max(250, this.fenceRemainingMs())
      : this.#timing.renewDeadlineMs;
  }

  #observe(lease: Lease, now: number): void {
    const raw = JSON.stringify(lease.spec ?? {});
    const holder = lease.spec?.holderIdentity ?? '';
    if (this.#observed?.raw !== raw) {
      const before = this.#observed?.lease.spec?.holderIdentity ?? undefined;
      this.#observed = { lease, raw, at: now };
      if (before !== holder) {
        const self = holder === this.identity;
        if (!self) this.#log.info('leader observed', { leader: holder === '' ? '(released)' : holder });
        if (this.#state.state === 'following') this.#state = { state: 'following', leader: holder };
        this.#o.onLeaderChange?.(holder, self);
      }
    } else {
      this.#observed = { lease, raw, at: this.#observed.at };
    }
  }

  #transition(next: ElectionState): void {
    const previous = this.#state.state;
    this.#state = next;
    if (previous === next.state) return;
    this.#o.onTransition?.(next);
    if (next.state === 'leading')
      this.#log.info(MSG_LEADERSHIP_ACQUIRED, { leaseDurationMs: this.#timing.leaseDurationMs });
    else if (next.state === 'lost')
      this.#log.error('leadership lost; writes are fenced', { reason: next.reason });
    else if (next.state === 'stopped' && previous === 'leading') this.#log.info('stepping down', {});
  }

  /** client-go's ReleaseOnCancel: an empty holder and a 1 s lease, written with the resourceVersion last seen. */
  async #release(): Promise<void> {
    const observed = this.#observed;
    if (!observed || observed.lease.spec?.holderIdentity !== this.identity) return;
    const spec = { ...observed.lease.spec, ...released(observed.lease.spec, this.#clock.now()) };
    try {
      if (await this.#lock.update(observed.lease, spec, { timeoutMs: 2000 }))
        this.#log.info(MSG_LEADERSHIP_RELEASED, {});
      else
        this.#log.warn(
          'could not release the Lease (written since); a follower takes over once it expires',
          {},
        );
    } catch (error) {
      this.#log.warn('could not release the Lease; a follower takes over once it expires', { error });
    }
  }
}

export type { LeaseSpec };
