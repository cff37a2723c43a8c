// Records reconciles of chosen primaries to a local directory: one JSON file per reconcile, fed by the controllers' reconcile observers.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Manager } from '../config/manager.ts';
import type { ReconcileRecord } from '../controller/controller.ts';
import type { Logger } from '../observe/log.ts';
import { RECORDING_VERSION, redact, wantsRecording, type Recording } from './recording.ts';

export interface RecorderOptions {
  /** Where recordings go: `<dir>/<reconciler>/<time>-<namespace>_<name>.json`. */
  dir: string;
  /** Record every reconcile, not only those of primaries annotated `zeroloop.dev/record: "true"`. */
  all?: boolean;
  /** The hash of the build the worker runs for a reconciler, when known (local runs read build.json). */
  buildHash?: (reconciler: string) => Promise<string | undefined>;
  log: Logger;
}

export interface Recorder {
  /** Files written so far. */
  readonly written: readonly string[];
  /** Waits for the writes under way. */
  flush(): Promise<void>;
}

/** What a recording keeps of a reconcile's record. */
export type RecordedReconcile = Pick<
  ReconcileRecord,
  'key' | 'trigger' | 'result' | 'durationMs' | 'phasesMs' | 'request' | 'answer' | 'error'
>;

/** The recording of one finished reconcile, or undefined when no request was sent (nothing to replay). */
export function recordingOf(
  reconciler: string,
  record: RecordedReconcile,
  buildHash: string | undefined,
  recordedAt: Date,
): Recording | undefined {
  if (record.request === undefined) return undefined;
  const { request, answer, redacted } = redact(record.request, record.answer);
  return {
    version: RECORDING_VERSION,
    reconciler,
    buildHash: buildHash ?? null,
    key: record.key,
    recordedAt: recordedAt.toISOString(),
    trigger: record.trigger,
    result: record.result,
    durationMs: record.durationMs,
    phasesMs: { ...record.phasesMs },
    request,
    answer: answer
      ? { ok: answer }
      : record.result === 'reconciler_error'
        ? { err: record.error?.message ?? 'reconciler error' }
        : { none: record.error?.message ?? record.result },
    redacted,
  };
}

/** A file name that sorts by time and names the primary. */
function fileName(recording: Recording, seq: number): string {
  const time = recording.recordedAt.replace(/[-:]/g, '').replace('.', '');
  return `${time}-${recording.key.replace('/', '_')}-${String(seq)}.json`;
}

/** Subscribes to every controller the manager starts (now and later) and writes their chosen reconciles. */
export function attachRecorder(manager: Manager, options: RecorderOptions): Recorder {
  const written: string[] = [];
  const pending = new Set<Promise<void>>();
  let seq = 0;
  const log = options.log.child({ component: 'recorder' });
  const write = async (reconciler: string, record: ReconcileRecord): Promise<void> => {
    const recording = recordingOf(reconciler, record, await options.buildHash?.(reconciler), new Date());
    if (recording === undefined) return;
    const folder = join(options.dir, reconciler);
    const file = join(folder, fileName(recording, seq++));
    await mkdir(folder, { recursive: true });
    await writeFile(file, `${JSON.stringify(recording, null, 2)}\n`, { mode: 0o600 });
    written.push(file);
    log.info('reconcile recorded', {
      key: record.key,
      reconciler,
      file,
      redacted: recording.redacted.length,
    });
  };
  manager.onController.add((controller) => {
    const reconciler = controller.config.spec.reconciler;
    controller.onReconcile.add((record) => {
      if (record.request === undefined) return;
      if (options.all !== true && !wantsRecording(record.request.primary)) return;
      const done = write(reconciler, record)
        .catch((error: unknown) => {
          log.warn('could not record a reconcile', { key: record.key, reconciler, error });
        })
        .finally(() => pending.delete(done));
      pending.add(done);
    });
  });
  return {
    written,
    flush: async () => {
      await Promise.all([...pending]);
    },
  };
}
