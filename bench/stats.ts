// Small statistics for benchmark figures: nearest-rank percentiles.

/** The nearest-rank `p`th percentile of `samples` (any order); NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}
