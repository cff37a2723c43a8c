// Treats an unreachable dependency (the worker, the apiserver) as a condition of the whole Reconciler: park the keys, probe it, release them when it answers.
//
// Without it every key waits out its own backoff (up to the cap) after the dependency comes back,
// so a minute-long outage leaves primaries idle for tens of seconds after it ended, and every
// retry meanwhile does the work before the failing step (a worker call before an apply that cannot
// reach the apiserver). Instead:
// - a call that cannot reach the dependency closes the gate;
// - while it is closed no reconcile starts: each key taken from the queue is parked (its trigger
//   kept), so nothing is lost and nothing spins;
// - a probe (the worker's `GET /healthz`, the apiserver's `GET /version`) runs on its own backoff,
//   and only while the gate is closed: an idle relay with healthy dependencies sends nothing;
// - the first probe that answers opens the gate and releases every parked key to the work queue,
//   whose concurrency bounds how fast they are sent.
import type { Clock, Timer } from '../clock.ts';
import { realClock } from '../clock.ts';
import { ExponentialBackoff } from '../queue/rate-limited.ts';

export interface OutageGateOptions {
  /** Resolves true when the dependency answers its health check. */
  probe: () => Promise<boolean>;
  /** Called with the keys parked while it was down, once it answers again. */
  release: (keys: string[]) => void;
  /** Called when the gate closes (false) or opens (true). */
  onChange?: (open: boolean) => void;
  clock?: Clock;
  /** Probe delays: base doubling to max (default 250 ms to 5 s). */
  probeBackoff?: { baseDelayMs?: number; maxDelayMs?: number };
}

export class OutageGate {
  #o: OutageGateOptions;
  #clock: Clock;
  #backoff: ExponentialBackoff;
  #open = true;
  #parked = new Set<string>();
  #timer: Timer | undefined;
  #stopped = false;

  constructor(options: OutageGateOptions) {
    this.#o = options;
    this.#clock = options.clock ?? realClock;
    this.#backoff = new ExponentialBackoff({ baseDelayMs: 250, maxDelayMs: 5000, ...options.probeBackoff });
  }

  get open(): boolean {
    return this.#open;
  }

  get parked(): number {
    return this.#parked.size;
  }

  /** A call could not reach the dependency: close the gate (once) and start probing. */
  down(): void {
    if (!this.#open || this.#stopped) return;
    this.#open = false;
    this.#o.onChange?.(false);
    this.#schedule();
  }

  /** Holds a key until the dependency answers. */
  park(key: string): void {
    this.#parked.add(key);
  }

  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = this.#clock.setTimer(() => {
      void this.#probe();
    }, this.#backoff.when('probe'));
  }

  async #probe(): Promise<void> {
    let up: boolean;
    try {
      up = await this.#o.probe();
    } catch {
      up = false;
    }
    if (this.#stopped) return;
    if (!up) {
      this.#schedule();
      return;
    }
    this.#backoff.forget('probe');
    this.#open = true;
    this.#o.onChange?.(true);
    const keys = [...this.#parked];
    this.#parked.clear();
    this.#o.release(keys);
  }
}
