// Reads one reconciler's descriptor from its worker (`GET /v1/reconcilers`, signed as a reconcile is): what the relay checks when it loads a Reconciler (config schema, finalizer name).
import { HEADERS, ROUTES } from '../../src/protocol/routes.ts';
import { type Descriptor, DescriptorList } from '../../src/protocol/schemas.ts';
import { PROTOCOL_VERSION } from '../../src/protocol/version.ts';
import { DEFAULT_KEY_ID, signHeaders } from '../../src/signing.ts';
import { errorMessage } from '../../src/error-message.ts';
import { exchange, headerValue, pathOf } from './exchange.ts';
import { protocolMismatch, unstatedProtocol } from './compatibility.ts';

/** Why a descriptor could not be read: the Reconciler's Ready condition reason. */
export type DescribeFailure =
  'WorkerUnavailable' | 'IncompatibleWorker' | 'RequestRejected' | 'ReconcilerNotFound';

export class DescribeFailed extends Error {
  override readonly name = 'DescribeFailed';
  readonly reason: DescribeFailure;
  constructor(reason: DescribeFailure, message: string, cause?: unknown) {
    super(message, { cause });
    this.reason = reason;
  }
}

export interface DescribeTarget {
  reconciler: string;
  endpoint: string;
  signingKey: string;
  keyId?: string;
  timeoutMs: number;
}

/** The descriptor list is small; a worker answering more than this is refused. */
const MAX_LIST_BYTES = 4 * 1024 * 1024;

/** The descriptor of `target.reconciler` as its worker lists it; throws DescribeFailed. */
export async function describeReconciler(
  target: DescribeTarget,
  options: { protocolVersion?: number; nowMs?: number } = {},
): Promise<Descriptor> {
  const ours = options.protocolVersion ?? PROTOCOL_VERSION;
  const url = target.endpoint.replace(/\/$/, '') + ROUTES.list;
  const what = `GET ${url}`;
  const headers = {
    [HEADERS.protocol]: String(ours),
    ...(await signHeaders({
      secret: target.signingKey,
      keyId: target.keyId ?? DEFAULT_KEY_ID,
      method: 'GET',
      path: pathOf(url),
      body: '',
      nowSeconds: Math.floor((options.nowMs ?? Date.now()) / 1000),
    })),
  };
  let status: number;
  let text: string;
  let stated: string | undefined;
  try {
    const answer = await exchange(url, {
      method: 'GET',
      headers,
      timeoutMs: target.timeoutMs,
      maxBytes: MAX_LIST_BYTES,
      refuse: (_status, answerHeaders) => {
        const mismatch = protocolMismatch(
          target.endpoint,
          headerValue(answerHeaders, HEADERS.protocol),
          ours,
        );
        return mismatch === undefined ? undefined : new DescribeFailed('IncompatibleWorker', mismatch);
      },
    });
    status = answer.status;
    text = answer.text;
    stated = headerValue(answer.headers, HEADERS.protocol);
  } catch (error) {
    if (error instanceof DescribeFailed) throw error;
    throw new DescribeFailed(
      'WorkerUnavailable',
      `${what} failed: ${errorMessage(error)}; check that the worker runs at spec.endpoint; retrying`,
      error,
    );
  }
  if (status !== 200) {
    if (stated === undefined && text.includes('incompatible_protocol'))
      throw new DescribeFailed('IncompatibleWorker', unstatedProtocol(target.endpoint, ours));
    const reason: DescribeFailure = /incompatible_(protocol|component)/.test(text)
      ? 'IncompatibleWorker'
      : status === 401 || status === 400
        ? 'RequestRejected'
        : 'WorkerUnavailable';
    const advice =
      reason === 'RequestRejected'
        ? "check the signing Secret against the worker's keys"
        : "check the worker's logs";
    throw new DescribeFailed(
      reason,
      `${what} answered ${String(status)}: ${text.slice(0, 300)}; ${advice}; retrying`,
    );
  }
  if (stated === undefined)
    throw new DescribeFailed('IncompatibleWorker', unstatedProtocol(target.endpoint, ours));
  const parsed = DescriptorList.safeParse(parseJson(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DescribeFailed(
      'IncompatibleWorker',
      `${what} answered a list that does not match the protocol at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? ''}`,
    );
  }
  const found = parsed.data.reconcilers.find((r) => r.name === target.reconciler);
  if (!found) {
    const names = parsed.data.reconcilers.map((r) => r.name).join(', ') || 'none';
    throw new DescribeFailed(
      'ReconcilerNotFound',
      `the worker at ${target.endpoint} runs no reconciler named ${target.reconciler} (it runs: ${names}); fix spec.reconciler or deploy the worker that has it`,
    );
  }
  return found;
}

/** The JSON in `text`, or undefined (which the list schema then refuses). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
