// One recorded reconcile (request, answer, build hash) as written by the relay's recorder and read back by `zeroloop replay`; Secret values redacted.
import * as z from 'zod/mini';
import { type KubeObject, ReconcileRequest, ReconcileResponse, Trigger } from '../../src/protocol/schemas.ts';

/** The annotation on a primary that makes the relay record its reconciles. */
export const RECORD_ANNOTATION = 'zeroloop.dev/record';
/** What a redacted Secret value becomes: base64 of "redacted" under `data`, the plain word under `stringData`. */
export const REDACTED = { data: 'cmVkYWN0ZWQ=', stringData: 'redacted' } as const;
/** kubectl's copy of the last applied object, which holds a Secret's data in clear. */
/** kubectl apply's copy of the whole object it applied: on a Secret, its values in clear. */
export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

export const RECORDING_VERSION = 1;

export const Recording = z.object({
  version: z.literal(RECORDING_VERSION),
  /** The reconciler (the component's name in the worker, the Reconciler's spec.reconciler). */
  reconciler: z.string(),
  /** The build the worker ran (build/reconcilers/<name>/build.json's hash), when the recorder knew it. */
  buildHash: z.nullable(z.string()),
  /** `namespace/name` of the primary. */
  key: z.string(),
  recordedAt: z.string(),
  trigger: Trigger,
  /** The reconcile's result label (`success`, `reconciler_error`, …). */
  result: z.string(),
  durationMs: z.number(),
  phasesMs: z.record(z.string(), z.number()),
  /** The last request sent to the worker. */
  request: ReconcileRequest,
  /** Its answer: the response, the reconciler's refusal (the relay's message), or nothing (a timeout…). */
  answer: z.union([
    z.object({ ok: ReconcileResponse }),
    z.object({ err: z.string() }),
    z.object({ none: z.string() }),
  ]),
  /** The Secret fields whose values were replaced, as `Kind namespace/name: field.key`. */
  redacted: z.array(z.string()),
});
export type Recording = z.infer<typeof Recording>;

/** A recording file that does not parse: names the file and the first bad field, says what to do. */
export class RecordingInvalid extends Error {
  override readonly name = 'RecordingInvalid';
  readonly file: string;
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.file = file;
  }
}

const where = (path: readonly PropertyKey[] | undefined): string =>
  path === undefined || path.length === 0 ? '(root)' : path.map(String).join('.');

/** Parses a recording read from `file`; throws RecordingInvalid naming the field. */
export function parseRecording(file: string, text: string): Recording {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RecordingInvalid(file, `not JSON (${String(error)}): pass a file the relay's recorder wrote`);
  }
  const parsed = Recording.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RecordingInvalid(
      file,
      `not a recording (version ${String(RECORDING_VERSION)}): ${where(issue?.path)}: ${issue?.message ?? '?'}`,
    );
  }
  return parsed.data;
}

/** A copy of `obj` with a Secret's data, stringData and last-applied annotation replaced; `redacted` collects what was. */
function redactObject(obj: KubeObject, redacted: string[]): KubeObject {
  if (obj.kind !== 'Secret' || obj.apiVersion !== 'v1') return obj;
  const name = `Secret ${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
  const copy: Record<string, unknown> = { ...obj };
  for (const field of ['data', 'stringData'] as const) {
    const values = obj[field];
    if (typeof values !== 'object' || values === null) continue;
    copy[field] = Object.fromEntries(
      Object.keys(values).map((k) => {
        redacted.push(`${name}: ${field}.${k}`);
        return [k, REDACTED[field]];
      }),
    );
  }
  const annotations = obj.metadata.annotations;
  if (typeof annotations === 'object' && annotations !== null && LAST_APPLIED in annotations) {
    copy.metadata = { ...obj.metadata, annotations: { ...annotations, [LAST_APPLIED]: REDACTED.stringData } };
    redacted.push(`${name}: metadata.annotations.${LAST_APPLIED}`);
  }
  return copy as KubeObject;
}

/** The request and answer with every Secret value redacted (primary, owned, related and desired objects). */
export function redact(
  request: ReconcileRequest,
  answer: ReconcileResponse | undefined,
): { request: ReconcileRequest; answer: ReconcileResponse | undefined; redacted: string[] } {
  const redacted: string[] = [];
  const one = (o: KubeObject) => redactObject(o, redacted);
  return {
    request: {
      ...request,
      primary: one(request.primary),
      owned: request.owned.map(one),
      related: request.related.map(one),
    },
    answer: answer && { ...answer, desired: answer.desired.map(one) },
    redacted: [...new Set(redacted)],
  };
}

/** Whether the primary asks to be recorded (`zeroloop.dev/record: "true"`). */
export function wantsRecording(primary: KubeObject): boolean {
  const annotations = primary.metadata.annotations;
  return (
    typeof annotations === 'object' &&
    annotations !== null &&
    (annotations as Record<string, unknown>)[RECORD_ANNOTATION] === 'true'
  );
}
