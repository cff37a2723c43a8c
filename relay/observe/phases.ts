// Where the time of one reconcile goes: queue wait, request build, worker call, dry-run, apply, prune and status.
//
// Measured with the monotonic `performance.now()`, sub-millisecond: these are figures for the
// `zeroloop_reconcile_phase_seconds` histogram, the `reconciled` log line and the benchmarks,
// never inputs to a decision (those use the injected Clock).

export type Phase = 'queue' | 'request' | 'worker' | 'dry-run' | 'apply' | 'prune-status' | 'finalizer';

export type PhaseTimes = Partial<Record<Phase, number>>;

export class PhaseTimer {
  readonly ms: PhaseTimes = {};

  add(phase: Phase, ms: number): void {
    this.ms[phase] = (this.ms[phase] ?? 0) + ms;
  }

  /** Runs `fn`, adding its duration to `phase` (whether it resolves or throws). */
  async time<T>(phase: Phase, fn: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await fn();
    } finally {
      this.add(phase, performance.now() - start);
    }
  }

  /** The phases rounded to 0.01 ms, for a log line. */
  rounded(): PhaseTimes {
    return Object.fromEntries(Object.entries(this.ms).map(([k, v]) => [k, Math.round(v * 100) / 100]));
  }
}
