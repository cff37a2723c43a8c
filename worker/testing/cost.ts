// Times each part of one reconcile (parse, WIT conversion, component call, answer check, serialize) where it runs: workerd or Node.
//
// workerd's clock ticks in whole milliseconds, so one call cannot be timed on its own: each part runs
// in batches of as many calls as fill `batchMs`, and a batch's mean is one sample (quantization error
// at most 1 ms / batchMs). The phases take turns batch by batch. Median and p99 are over the batches:
// they show jitter between batches, not a single slow call, which the HTTP p99 of the benchmark shows.
import { requestToWit, responseFromWit, type ReconcilerExports } from '../../src/contract/wit.ts';
import { ReconcileResponse } from '../../src/protocol/schemas.ts';
import { parseReconcileRequest } from '../validation/request.ts';

/** The parts of `POST …/reconcile` between the body text and the answer text, in order. */
export const PHASES = [
  'parseRequest',
  'requestToWit',
  'componentCall',
  'answerFromWit',
  'answerValidate',
  'answerSerialize',
  'whole',
] as const;
export type Phase = (typeof PHASES)[number];

export interface PhaseCost {
  /** Milliseconds per call: median and p99 of the batch means, and their mean. */
  p50: number;
  p99: number;
  mean: number;
  batches: number;
  callsPerBatch: number;
}

export interface CostOptions {
  instance: ReconcilerExports;
  reconciler: string;
  /** The request body as the worker receives it. */
  body: string;
  batches?: number;
  batchMs?: number;
  now?: () => number;
}

const round = (ms: number) => Math.round(ms * 10_000) / 10_000;

function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? NaN;
}

/** Warms `run` up for twice `batchMs` and returns how many calls fill about `batchMs` (at least one). */
function calibrate(run: () => unknown, batchMs: number, now: () => number): number {
  const started = now();
  let calls = 0;
  while (now() - started < 2 * batchMs) {
    run();
    calls++;
  }
  return Math.max(1, Math.ceil(calls / 2));
}

function summarize(means: readonly number[], callsPerBatch: number): PhaseCost {
  const sorted = [...means].sort((a, b) => a - b);
  return {
    p50: round(percentile(sorted, 50)),
    p99: round(percentile(sorted, 99)),
    mean: round(means.reduce((a, b) => a + b, 0) / means.length),
    batches: means.length,
    callsPerBatch,
  };
}

/**
 * Times every phase, one batch of each in turn, so a busy spell on the machine (other processes)
 * lands on all phases alike instead of skewing one.
 */
function timeInterleaved(
  runs: Record<Phase, () => unknown>,
  batches: number,
  batchMs: number,
  now: () => number,
): Record<Phase, PhaseCost> {
  const calls = Object.fromEntries(PHASES.map((p) => [p, calibrate(runs[p], batchMs, now)])) as Record<
    Phase,
    number
  >;
  const means = Object.fromEntries(PHASES.map((p) => [p, [] as number[]])) as Record<Phase, number[]>;
  for (let b = 0; b < batches; b++) {
    for (const phase of PHASES) {
      const run = runs[phase];
      const n = calls[phase];
      const started = now();
      for (let i = 0; i < n; i++) run();
      means[phase].push((now() - started) / n);
    }
  }
  return Object.fromEntries(PHASES.map((p) => [p, summarize(means[p], calls[p])])) as Record<
    Phase,
    PhaseCost
  >;
}

/** The cost of each phase of one reconcile of `body`; the component must answer it (no err, no trap). */
export function measureCost(options: CostOptions): Record<Phase, PhaseCost> {
  const { instance, reconciler, body, batches = 60, batchMs = 20 } = options;
  const now = options.now ?? (() => performance.now());
  const request = parseReconcileRequest(body, reconciler);
  const wit = requestToWit(request);
  const answer = instance.reconcile(wit);
  const json = responseFromWit(answer);
  const checked = ReconcileResponse.parse(json);
  const whole = () => {
    const answerJson = responseFromWit(
      instance.reconcile(requestToWit(parseReconcileRequest(body, reconciler))),
    );
    const parsed = ReconcileResponse.safeParse(answerJson);
    if (!parsed.success) throw new Error(`${reconciler}: the answer does not match the protocol`);
    return JSON.stringify(parsed.data);
  };
  const runs: Record<Phase, () => unknown> = {
    parseRequest: () => parseReconcileRequest(body, reconciler),
    requestToWit: () => requestToWit(request),
    componentCall: () => instance.reconcile(wit),
    answerFromWit: () => responseFromWit(answer),
    answerValidate: () => ReconcileResponse.safeParse(json),
    answerSerialize: () => JSON.stringify(checked),
    whole,
  };
  return timeInterleaved(runs, batches, batchMs, now);
}
