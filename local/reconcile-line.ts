// Turns the relay's ReconcileRecord (Manager.onReconcile) into the one readable line `npm start` prints per reconcile.
import type { ReconcileRecord } from '../relay/controller/result.ts';

/** Maps a Reconciler resource's name to the kind of its primaries (`Website`), for the line's label. */
export type KindOf = (reconciler: string) => string | undefined;

/** What the line needs of a record. */
export type ReconcileLineRecord = Pick<
  ReconcileRecord,
  | 'reconciler'
  | 'key'
  | 'trigger'
  | 'result'
  | 'startedAt'
  | 'durationMs'
  | 'applied'
  | 'pruned'
  | 'statusWritten'
  | 'requeueAfterMs'
  | 'retryInMs'
  | 'error'
>;

function clock(epochMs: number): string {
  const d = new Date(epochMs);
  return Number.isNaN(d.getTime()) ? String(epochMs) : d.toISOString().slice(11, 23);
}

function ms(value: number): string {
  return value < 10 ? `${value.toFixed(1)} ms` : `${String(Math.round(value))} ms`;
}

function firstLine(text: string, max = 160): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * The readable line of one finished reconcile, stamped with the time it finished:
 * `12:00:01.234  Website zeroloop-demo/hello  trigger=primary  41 ms  ok: applied 3, pruned 0, status written`
 */
export function reconcileLine(r: ReconcileLineRecord, kindOf: KindOf): string {
  const kind = kindOf(r.reconciler) ?? r.reconciler;
  const head = `${clock(r.startedAt + r.durationMs)}  ${`${kind} ${r.key}`.padEnd(34)}  trigger=${r.trigger.type.padEnd(8)}`;
  const duration = ms(r.durationMs).padStart(7);
  if (r.result === 'success') {
    const outcome = [
      `applied ${String(r.applied)}`,
      `pruned ${String(r.pruned)}`,
      r.statusWritten ? 'status written' : 'status unchanged',
      ...(r.requeueAfterMs !== undefined ? [`requeue in ${ms(r.requeueAfterMs)}`] : []),
    ].join(', ');
    return `${head}  ${duration}  ok: ${outcome}`;
  }
  const code = r.error?.name ?? r.result;
  const retry = r.retryInMs !== undefined ? ` (retry in ${ms(r.retryInMs)})` : '';
  const message = r.error?.message ? `: ${firstLine(r.error.message)}` : '';
  return `${head}  ${duration}  error ${code}${message}${retry}`;
}
