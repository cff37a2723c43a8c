// Sends a signed reconcile request (key id, method, path and body signed; src/signing.ts) to the worker and parses its answer into a response or a typed DispatchError.
//
// Every request states this relay's protocol version; every answer's version is judged before its
// status or body is read (compatibility.ts), so an answer of another protocol is never misread.
import { ErrorBody } from '../../src/protocol/errors.ts';
import { BodyTooLarge, exchange, ExchangeTimeout, headerValue, pathOf } from './exchange.ts';
import { HEADERS, ROUTES } from '../../src/protocol/routes.ts';
import type { ReconcileRequest } from '../../src/protocol/schemas.ts';
import { ReconcileResponse } from '../../src/protocol/schemas.ts';
import { PROTOCOL_VERSION } from '../../src/protocol/version.ts';
import { DEFAULT_KEY_ID, signHeaders } from '../../src/signing.ts';
import { nodeHmac } from './node-hmac.ts';
import { randomHex } from './random-hex.ts';
import type { Clock } from '../clock.ts';
import { realClock } from '../clock.ts';
import { parseRetryAfter } from '../retry-after.ts';
import { protocolMismatch, refusedAsIncompatible, unstatedProtocol } from './compatibility.ts';
import type { DispatchErrorKind } from './errors.ts';
import { ADVICE, DispatchError } from './errors.ts';

export interface DispatchTarget {
  /** Name at the worker. */
  reconciler: string;
  /** Base URL of the worker. */
  endpoint: string;
  signingKey: string;
  /** Which of the worker's keys `signingKey` is (the worker derives the cluster from it); defaults to `default`. */
  keyId?: string;
  timeoutMs: number;
  /** Largest answer read; a longer one is cut off while it streams (AnswerTooLarge). Default 1 MiB. */
  maxAnswerBytes?: number;
}

const DEFAULT_MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * What one answer of a worker told about versions: `incompatible` is the IncompatibleWorker error
 * when relay and worker do not match, undefined when the worker speaks this relay's protocol.
 */
export interface AnswerVersions {
  endpoint: string;
  reconciler: string;
  incompatible: DispatchError | undefined;
}

export class Dispatcher {
  #clock: Clock;
  #protocol: number;
  /**
   * Observers of every answer in which the worker stated its version (the Reconciler's Ready=False
   * IncompatibleWorker, and back). Not called when no answer came (timeouts, refused connections).
   */
  readonly onAnswer = new Set<(answer: AnswerVersions) => void>();

  /** `protocolVersion`: what this relay states and expects; defaults to PROTOCOL_VERSION (tests). */
  constructor(options: { clock?: Clock; protocolVersion?: number } = {}) {
    this.#clock = options.clock ?? realClock;
    this.#protocol = options.protocolVersion ?? PROTOCOL_VERSION;
  }

  #report(answer: AnswerVersions): void {
    for (const observer of this.onAnswer) {
      try {
        observer(answer);
      } catch {
        // An observer's failure is its own; the answer is judged the same.
      }
    }
  }

  /** POSTs the request; resolves with a validated response, or rejects with a DispatchError. */
  async reconcile(
    target: DispatchTarget,
    key: string,
    request: ReconcileRequest,
    traceparent: string,
  ): Promise<ReconcileResponse> {
    const fail = (
      kind: DispatchErrorKind,
      message: string,
      extra: { status?: number; retryAfterMs?: number; cause?: unknown } = {},
    ) =>
      new DispatchError({
        kind,
        key,
        reconciler: target.reconciler,
        message: `${message}; ${ADVICE[kind]}`,
        ...extra,
      });

    const body = JSON.stringify(request);
    const url = target.endpoint.replace(/\/$/, '') + ROUTES.reconcile(target.reconciler);
    const headers = {
      'content-type': 'application/json',
      [HEADERS.traceparent]: traceparent,
      [HEADERS.protocol]: String(this.#protocol),
      ...(await signHeaders({
        secret: target.signingKey,
        keyId: target.keyId ?? DEFAULT_KEY_ID,
        method: 'POST',
        path: pathOf(url),
        body,
        nowSeconds: Math.floor(this.#clock.now() / 1000),
        // 16 random bytes, as src/signing.ts' newNonce draws them, from the relay's pool.
        nonce: randomHex(16),
        hmac: nodeHmac,
      })),
    };
    let status = 0;
    let text: string;
    let retryAfter: string | undefined;
    let stated: string | undefined;
    const incompatible = (message: string) => {
      const error = fail('IncompatibleWorker', message, { status });
      this.#report({ endpoint: target.endpoint, reconciler: target.reconciler, incompatible: error });
      return error;
    };
    try {
      const answer = await exchange(url, {
        method: 'POST',
        headers,
        body,
        timeoutMs: target.timeoutMs,
        maxBytes: target.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES,
        // An answer of another protocol is refused before its body is read.
        refuse: (answered, answerHeaders) => {
          status = answered;
          const mismatch = protocolMismatch(
            target.endpoint,
            headerValue(answerHeaders, HEADERS.protocol),
            this.#protocol,
          );
          return mismatch === undefined ? undefined : incompatible(mismatch);
        },
      });
      text = answer.text;
      retryAfter = headerValue(answer.headers, 'retry-after');
      stated = headerValue(answer.headers, HEADERS.protocol);
    } catch (cause) {
      if (cause instanceof DispatchError) throw cause;
      if (cause instanceof BodyTooLarge) {
        throw fail(
          'AnswerTooLarge',
          `the answer is over spec.limits.maxAnswerBytes (${cause.maxBytes} bytes; read stopped at ${cause.seenBytes})`,
          { status, cause },
        );
      }
      if (cause instanceof ExchangeTimeout) {
        throw fail('WorkerTimeout', `no answer from ${url} within ${target.timeoutMs} ms`, { cause });
      }
      const detail =
        cause instanceof Error
          ? cause.cause instanceof Error
            ? cause.cause.message
            : cause.message
          : String(cause);
      throw fail('WorkerUnavailable', `POST ${url} failed: ${detail}`, { cause });
    }

    // An error body is only looked for in an error answer: a 200's body is parsed once, below.
    const errorBody = status === 200 ? undefined : parseErrorBody(text);
    if (stated === undefined) {
      // Not the worker speaking (a gateway's error page): mapped as before. A zeroloop answer: refused.
      if (status === 200 || errorBody !== undefined)
        throw incompatible(unstatedProtocol(target.endpoint, this.#protocol));
    } else {
      const refused = refusedAsIncompatible(
        target.endpoint,
        errorBody?.error.code,
        errorBody?.error.message,
        this.#protocol,
      );
      if (refused !== undefined) throw incompatible(refused);
      this.#report({ endpoint: target.endpoint, reconciler: target.reconciler, incompatible: undefined });
    }

    if (status === 200) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (cause) {
        throw fail('InvalidAnswer', 'the worker answered 200 with a body that is not JSON', {
          status,
          cause,
        });
      }
      const parsed = ReconcileResponse.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw fail(
          'InvalidAnswer',
          `the answer does not match the protocol at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? ''}`,
          {
            status,
          },
        );
      }
      return parsed.data;
    }

    const message = errorBody?.error.message ?? (text.length > 0 ? text.slice(0, 300) : `HTTP ${status}`);
    const code = errorBody?.error.code;
    if (status === 429) {
      const retryAfterMs = parseRetryAfter(retryAfter ?? null, this.#clock.now());
      throw fail('Throttled', `the worker answered 429: ${message}`, {
        status,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      });
    }
    if (status === 422) throw fail('ReconcilerFailed', message, { status });
    if (code === 'reconciler_trap') throw fail('ReconcilerTrapped', message, { status });
    if (code === 'invalid_answer' || status === 502) throw fail('InvalidAnswer', message, { status });
    if (status === 400 || status === 401 || status === 404 || status === 413) {
      throw fail('RequestRejected', `${status} ${code ?? ''}: ${message}`, { status });
    }
    throw fail('WorkerUnavailable', `the worker answered ${status}: ${message}`, { status });
  }
}

function parseErrorBody(text: string): ErrorBody | undefined {
  try {
    const parsed = ErrorBody.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
