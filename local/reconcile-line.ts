// Turns the relay's structured "reconciled" / "reconcile failed" log lines into one readable line each.
import * as z from 'zod/mini';

const Reconciled = z.looseObject({
  time: z.string(),
  msg: z.literal('reconciled'),
  reconciler: z.string(),
  key: z.string(),
  trigger: z.string(),
  applied: z.number(),
  pruned: z.number(),
  statusWritten: z.boolean(),
  requeueAfterMs: z.nullable(z.optional(z.number())),
  durationMs: z.number(),
});

const Failed = z.looseObject({
  time: z.string(),
  msg: z.literal('reconcile failed'),
  reconciler: z.string(),
  key: z.string(),
  trigger: z.string(),
  result: z.optional(z.string()),
  error: z.optional(z.looseObject({ name: z.optional(z.string()), message: z.optional(z.string()) })),
  retryInMs: z.optional(z.number()),
  durationMs: z.optional(z.number()),
});

/** Maps a Reconciler resource's name to the kind of its primaries (`Website`), for the line's label. */
export type KindOf = (reconciler: string) => string | undefined;

function clock(time: string): string {
  const d = new Date(time);
  return Number.isNaN(d.getTime()) ? time : d.toISOString().slice(11, 23);
}

function ms(value: number): string {
  return value < 10 ? `${value.toFixed(1)} ms` : `${String(Math.round(value))} ms`;
}

function firstLine(text: string, max = 160): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * The readable line for one relay log record, or undefined if the record is not about a finished reconcile.
 * `12:00:01.234  Website zeroloop-demo/hello  trigger=primary  41 ms  ok: applied 3, pruned 0, status written`
 */
export function reconcileLine(record: unknown, kindOf: KindOf): string | undefined {
  const ok = Reconciled.safeParse(record);
  if (ok.success) {
    const r = ok.data;
    const outcome = [
      `applied ${String(r.applied)}`,
      `pruned ${String(r.pruned)}`,
      r.statusWritten ? 'status written' : 'status unchanged',
      ...(r.requeueAfterMs != null ? [`requeue in ${ms(r.requeueAfterMs)}`] : []),
    ].join(', ');
    return `${head(r, kindOf)}  ${ms(r.durationMs).padStart(7)}  ok: ${outcome}`;
  }
  const failed = Failed.safeParse(record);
  if (failed.success) {
    const f = failed.data;
    const code = f.error?.name ?? f.result ?? 'error';
    const duration = f.durationMs !== undefined ? ms(f.durationMs) : '-';
    const retry = f.retryInMs !== undefined ? ` (retry in ${ms(f.retryInMs)})` : '';
    const message = f.error?.message ? `: ${firstLine(f.error.message)}` : '';
    return `${head(f, kindOf)}  ${duration.padStart(7)}  error ${code}${message}${retry}`;
  }
  return undefined;
}

function head(r: { time: string; reconciler: string; key: string; trigger: string }, kindOf: KindOf): string {
  const kind = kindOf(r.reconciler) ?? r.reconciler;
  return `${clock(r.time)}  ${`${kind} ${r.key}`.padEnd(34)}  trigger=${r.trigger.padEnd(8)}`;
}
