// Calls a component's `reconcile` and classifies the outcome: answer (validated), wit err (422), trap (500).
import { requestToWit, responseFromWit, witErrorPayload, type WitResponse } from '../../src/contract/wit.ts';
import { keyOf } from '../../src/keys.ts';
import { ReconcileResponse, type ReconcileRequest } from '../../src/protocol/schemas.ts';
import { WorkerError } from '../errors/worker-error.ts';
import { summarizeIssues } from '../validation/issues.ts';
import type { InstancePool } from './pool.ts';

export interface InvokeOptions {
  pool: InstancePool;
  reconciler: string;
  request: ReconcileRequest;
  /** Told how long the component itself ran, whatever the outcome. */
  onTiming?: (ms: number) => void;
  now?: () => number;
}

/** A thrown value with its kind, for trap messages: `RuntimeError: unreachable`. */
export function namedMessage(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** Runs one reconcile; throws WorkerError with the protocol code of whatever went wrong. */
export async function invokeReconcile(options: InvokeOptions): Promise<ReconcileResponse> {
  const { pool, reconciler, request } = options;
  const now = options.now ?? (() => performance.now());
  const key = keyOf(request.primary);
  const instance = await pool.acquire(reconciler);
  const witRequest = requestToWit(request);
  let answer: WitResponse;
  const started = now();
  try {
    answer = instance.reconcile(witRequest);
  } catch (error) {
    const payload = witErrorPayload(error);
    if (payload !== undefined) {
      throw new WorkerError('reconciler_error', `reconciler "${reconciler}" refused ${key}: ${payload}`);
    }
    // A trap (WebAssembly.RuntimeError) or any other throw leaves the instance in an unknown state.
    pool.drop(reconciler, instance);
    throw new WorkerError(
      'reconciler_trap',
      `reconciler "${reconciler}" trapped on ${key} (${namedMessage(error)}): the instance was dropped and the next call gets a fresh one; this is a bug in the reconciler`,
      { cause: error },
    );
  } finally {
    options.onTiming?.(now() - started);
  }
  return checkAnswer(reconciler, key, answer);
}

/** The answer in protocol form, or invalid_answer: a broken answer is never passed on. */
function checkAnswer(reconciler: string, key: string, answer: WitResponse): ReconcileResponse {
  const invalid = (reason: string, cause?: unknown): WorkerError =>
    new WorkerError(
      'invalid_answer',
      `reconciler "${reconciler}" answered ${key} with a response that breaks the protocol (${reason}): fix the reconciler; nothing was passed on`,
      { cause },
    );
  let json: unknown;
  try {
    json = responseFromWit(answer);
  } catch (error) {
    throw invalid(namedMessage(error), error);
  }
  const parsed = ReconcileResponse.safeParse(json);
  if (!parsed.success) throw invalid(summarizeIssues(parsed.error));
  return parsed.data;
}
