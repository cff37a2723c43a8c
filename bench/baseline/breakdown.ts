// Where the time of zeroloop's reconciles goes, from the relay's own `reconciled` log lines (their `phasesMs`).
import { MSG_RECONCILED } from '../../relay/controller/reporter.ts';
import { percentile } from '../stats.ts';

const round2 = (n: number): number => Math.round(n * 100) / 100;

/** Phase → p50 and p99 in ms, over the reconciles of one measured window. */
export type Breakdown = Record<string, { p50: number; p99: number; count: number }>;

export class PhaseLog {
  #lines: Record<string, number>[] = [];

  /** Feeds one relay log line; keeps the phases (and the total) of `reconciled` lines. */
  line(text: string): void {
    if (!text.includes(`"msg":"${MSG_RECONCILED}"`)) return;
    const parsed = JSON.parse(text) as { durationMs?: number; phasesMs?: Record<string, number> };
    this.#lines.push({ ...parsed.phasesMs, total: parsed.durationMs ?? NaN });
  }

  /** A position to measure from. */
  mark(): number {
    return this.#lines.length;
  }

  /** The breakdown of the reconciles since `mark`. Phases a reconcile skipped (no dry-run) count as 0. */
  since(mark: number): Breakdown {
    const window = this.#lines.slice(mark);
    const phases = new Set(window.flatMap((l) => Object.keys(l)));
    const out: Breakdown = {};
    for (const phase of phases) {
      const samples = window.map((l) => l[phase] ?? 0);
      out[phase] = {
        p50: round2(percentile(samples, 50)),
        p99: round2(percentile(samples, 99)),
        count: samples.length,
      };
    }
    return out;
  }
}
