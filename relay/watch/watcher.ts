// Lists then watches one kind, keeps a Store in step, and re-lists with a diff after 410 Gone or a failure.
//
// Expected flow: list → store.replace (emit all as added) → watch from the list's resourceVersion,
// with bookmarks so the resourceVersion stays fresh → a normal server close resumes the watch from
// the last resourceVersion → 410 Gone, or an error, leads to a re-list (after a backoff for
// errors) whose result is DIFFED against the store: only new, changed (resourceVersion differs) or
// disappeared objects are emitted. Nothing is ever re-emitted on a timer.
//
// Stalls: a watch that delivers neither events nor bookmarks for `stallMs` (the apiserver sends a
// bookmark about once a minute to every watch served from its watch cache) is assumed dead though
// its connection is open. It is aborted with a TimeoutError, which the KubeClient treats as a
// network failure (fresh connection, error counted), and resumed from its last resourceVersion.
import type { Clock, Timer } from '../clock.ts';
import { realClock, sleep } from '../clock.ts';
import type { KObject } from '../kube/object.ts';
import { ExponentialBackoff } from '../queue/rate-limited.ts';
import type { Delta, Store } from './store.ts';
import { storeKey } from './store.ts';

/** One event of a watch stream. */
export type WatchEvent =
  { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: KObject } | { type: 'BOOKMARK'; resourceVersion: string };

/** How a watch stream ended without an error. */
export type WatchEnd = 'closed' | 'gone';

/** Where objects come from: the apiserver in production, a script in unit tests (client-go's ListerWatcher). */
export interface ListerWatcher {
  /** Lists every object (all pages) and the list's resourceVersion. */
  list(signal: AbortSignal): Promise<{ items: KObject[]; resourceVersion: string }>;
  /** Watches from `resourceVersion` until the server closes ('closed'), answers 410 ('gone') or fails (throws). */
  watch(
    resourceVersion: string,
    signal: AbortSignal,
    onEvent: (event: WatchEvent) => void,
  ): Promise<WatchEnd>;
}

/** The watcher's state machine. */
export type WatcherState =
  /** Needs a (re-)list: at start, after 410 Gone, or after a backoff. */
  | { phase: 'listing'; relist: boolean }
  /** The store matches the list; watching from `resourceVersion`. */
  | { phase: 'watching'; resourceVersion: string }
  /** Waiting `delayMs` after `error` before re-listing. */
  | { phase: 'backoff'; delayMs: number; error: unknown }
  /** Stopped by its signal; terminal. */
  | { phase: 'stopped' };

export interface WatcherOptions {
  listerWatcher: ListerWatcher;
  store: Store;
  /** Applied to every listed or watched object before the store sees it (client-go's TransformFunc). */
  transform?: (obj: KObject) => KObject;
  /** Called for each change of the store, after the store is updated. */
  onDelta: (delta: Delta) => void;
  /** Called after each successful list (the first one marks the cache synced). */
  onListed?: (relist: boolean) => void;
  /** Called when a watch ends and a new one will start: why. */
  onRestart?: (reason: RestartReason) => void;
  /** Called when a watch is aborted as stalled (before it resumes), with how long it was silent. */
  onStall?: (silentMs: number) => void;
  onError?: (error: unknown) => void;
  clock?: Clock;
  backoff?: { baseDelayMs?: number; maxDelayMs?: number };
  /** A watch closed faster than this counts as a failure (protects against a tight reconnect loop). */
  minWatchMs?: number;
  /** A watch silent (no event, no bookmark) for this long is aborted and resumed. Default 90 s. */
  stallMs?: number;
}

/** Why a watch ended and another starts. */
export type RestartReason = 'closed' | 'gone' | 'error' | 'stalled';

/** Default stall bound: the apiserver's bookmark cadence (1 min, kube-apiserver 1.35) plus 30 s of slack. */
export const DEFAULT_STALL_MS = 90_000;

export class Watcher {
  #o: WatcherOptions;
  #clock: Clock;
  #backoff: ExponentialBackoff;
  #state: WatcherState = { phase: 'listing', relist: false };

  constructor(options: WatcherOptions) {
    this.#o = options;
    this.#clock = options.clock ?? realClock;
    this.#backoff = new ExponentialBackoff({ baseDelayMs: 500, maxDelayMs: 30_000, ...options.backoff });
  }

  get state(): WatcherState {
    return this.#state;
  }

  /** Runs until `signal` aborts. Never throws: failures go to `onError` and back off. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      this.#state = await this.#step(this.#state, signal);
    }
    this.#state = { phase: 'stopped' };
  }

  async #step(state: WatcherState, signal: AbortSignal): Promise<WatcherState> {
    switch (state.phase) {
      case 'listing':
        try {
          const { items, resourceVersion } = await this.#o.listerWatcher.list(signal);
          const transform = this.#o.transform;
          const shaped = transform ? items.map(transform) : items;
          for (const delta of this.#o.store.replace(shaped)) this.#o.onDelta(delta);
          this.#o.onListed?.(state.relist);
          this.#backoff.forget('list');
          return { phase: 'watching', resourceVersion };
        } catch (error) {
          return this.#failed(error, signal);
        }
      case 'watching': {
        let rv = state.resourceVersion;
        const started = this.#clock.now();
        const stall = this.#stallGuard(signal);
        try {
          const end = await this.#o.listerWatcher.watch(rv, stall.signal, (event) => {
            stall.active();
            rv = this.#apply(event) ?? rv;
          });
          stall.cancel();
          if (signal.aborted) return { phase: 'stopped' };
          if (stall.stalled) return this.#stalled(stall.silentMs, rv);
          this.#o.onRestart?.(end);
          if (end === 'gone') return { phase: 'listing', relist: true };
          if (this.#clock.now() - started < (this.#o.minWatchMs ?? 1000)) {
            return this.#failed(new Error('watch closed immediately'), signal);
          }
          this.#backoff.forget('list');
          return { phase: 'watching', resourceVersion: rv };
        } catch (error) {
          stall.cancel();
          if (signal.aborted) return { phase: 'stopped' };
          if (stall.stalled) return this.#stalled(stall.silentMs, rv);
          this.#o.onRestart?.('error');
          return this.#failed(error, signal);
        }
      }
      case 'backoff':
        try {
          await sleep(this.#clock, state.delayMs, signal);
        } catch {
          return { phase: 'stopped' };
        }
        return { phase: 'listing', relist: true };
      case 'stopped':
        return state;
    }
  }

  /** A stalled watch resumes from where it was: no re-list, no backoff (the bound already spaces retries). */
  #stalled(silentMs: number, resourceVersion: string): WatcherState {
    this.#o.onStall?.(silentMs);
    this.#o.onRestart?.('stalled');
    return { phase: 'watching', resourceVersion };
  }

  /**
   * Aborts the watch attempt once it has been silent for `stallMs`. One timer per attempt, re-armed
   * only when it fires early (activity just records the time), so a burst of events costs no timers.
   */
  #stallGuard(outer: AbortSignal) {
    const stallMs = this.#o.stallMs ?? DEFAULT_STALL_MS;
    const attempt = new AbortController();
    let last = this.#clock.now();
    let timer: Timer | undefined;
    const guard = {
      signal: AbortSignal.any([outer, attempt.signal]),
      stalled: false,
      silentMs: 0,
      active: () => {
        last = this.#clock.now();
      },
      cancel: () => {
        timer?.cancel();
      },
    };
    const check = (): void => {
      const silent = this.#clock.now() - last;
      if (silent < stallMs) {
        timer = this.#clock.setTimer(check, stallMs - silent);
        return;
      }
      guard.stalled = true;
      guard.silentMs = silent;
      attempt.abort(new DOMException(`watch delivered nothing for ${String(silent)} ms`, 'TimeoutError'));
    };
    timer = this.#clock.setTimer(check, stallMs);
    return guard;
  }

  #failed(error: unknown, signal: AbortSignal): WatcherState {
    if (signal.aborted) return { phase: 'stopped' };
    this.#o.onError?.(error);
    return { phase: 'backoff', delayMs: this.#backoff.when('list'), error };
  }

  /** Applies a watch event to the store and emits its delta; returns the new resourceVersion. */
  #apply(event: WatchEvent): string | undefined {
    if (event.type === 'BOOKMARK') return event.resourceVersion;
    const delta =
      event.type === 'DELETED'
        ? this.#o.store.delete(storeKey(event.object))
        : this.#o.store.upsert(this.#o.transform ? this.#o.transform(event.object) : event.object);
    if (delta) this.#o.onDelta(delta);
    return event.object.metadata.resourceVersion;
  }
}
