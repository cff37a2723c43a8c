// Treats an unreachable worker as a condition of the whole Reconciler: park the keys, probe the worker, release them when it answers.
//
// Without it every key waits out its own backoff (up to the cap) after the worker comes back, so a
// minute-long outage leaves primaries idle for tens of seconds after it ended. Instead:
// - a call that cannot reach the worker closes the gate;
// - while it is closed no reconcile calls the worker: each key taken from the queue is parked
//   (its trigger kept), so nothing is lost and nothing spins;
// - a probe (`GET /healthz`, unsigned, no reconciler runs) runs on its own backoff, and only while
//   the gate is closed: an idle relay with a healthy worker sends nothing;
// - the first probe that answers opens the gate and releases every parked key to the work queue,
//   whose concurrency bounds how fast they are sent.
import type { Clock, Timer } from '../clock.ts';
import { realClock } from '../clock.ts';
import { ExponentialBackoff } from '../queue/rate-limited.ts';

export interface WorkerGateOptions {
  /** Resolves true when the worker answers its health check. */
  probe: () => Promise<boolean>;
  /** Called with the keys parked while the worker was down, once it answers again. */
  release: (keys: string[]) => void;
  /** Called when the gate closes (false) or opens (true). */
  onChange?: (open: boolean) => void;
  clock?: Clock;
  /** Probe delays: base doubling to max (default 250 ms to 5 s). */
  probeBackoff?: { baseDelayMs?: number; maxDelayMs?: number };
}

export class WorkerGate {
  #o: WorkerGateOptions;
  #clock: Clock;
  #backoff: ExponentialBackoff;
  #open = true;
  #parked = new Set<string>();
  #timer: Timer | undefined;
  #stopped = false;

  constructor(options: WorkerGateOptions) {
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

  /** A call could not reach the worker: close the gate (once) and start probing. */
  down(): void {
    if (!this.#open || this.#stopped) return;
    this.#open = false;
    this.#o.onChange?.(false);
    this.#schedule();
  }

  /** Holds a key until the worker answers. */
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
