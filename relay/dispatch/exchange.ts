// One HTTP exchange with a worker on undici's dispatch API: one timer for the whole exchange, a look at the status and headers before any body is read, and the body read only up to a bound.
//
// Why not undici's request(): per exchange it builds a Readable body stream, an AbortSignal with its
// own timer and listeners, and an async iterator to read the stream; the relay makes one exchange per
// reconcile, and those objects cost about as much CPU as the rest of the exchange's JavaScript. The
// handler below gets the answer's chunks as callbacks and keeps them in an array.
import { getGlobalDispatcher, type Dispatcher } from 'undici';

/** The answer's body passed the bound; the exchange was aborted. */
export class BodyTooLarge extends Error {
  override readonly name = 'BodyTooLarge';
  readonly maxBytes: number;
  /** Bytes seen before the read stopped (or the declared Content-Length). */
  readonly seenBytes: number;
  constructor(maxBytes: number, seenBytes: number) {
    super(`body over ${maxBytes} bytes (at least ${seenBytes})`);
    this.maxBytes = maxBytes;
    this.seenBytes = seenBytes;
  }
}

/** No whole answer within the exchange's time. */
export class ExchangeTimeout extends Error {
  override readonly name = 'ExchangeTimeout';
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

/** Response headers, names in lower case. */
export type AnswerHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** A header's first value. */
export function headerValue(headers: AnswerHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export interface Answer {
  status: number;
  headers: AnswerHeaders;
  text: string;
}

export interface ExchangeOptions {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** Bounds the whole exchange: connecting, the worker's work, and reading the answer. */
  timeoutMs: number;
  /** Largest body read; past it the exchange is aborted with BodyTooLarge. */
  maxBytes: number;
  /**
   * Judges the status and headers before any body is read: an error returned ends the exchange
   * there (the body is never read) and is what it rejects with.
   */
  refuse?: (status: number, headers: AnswerHeaders) => Error | undefined;
}

/** A URL split as undici's dispatch takes it, kept per URL (a relay posts to a handful). */
const targets = new Map<string, { origin: string; path: string }>();
const MAX_TARGETS = 256;

function split(url: string): { origin: string; path: string } {
  let target = targets.get(url);
  if (!target) {
    const parsed = new URL(url);
    target = { origin: parsed.origin, path: parsed.pathname + parsed.search };
    if (targets.size >= MAX_TARGETS) targets.clear();
    targets.set(url, target);
  }
  return target;
}

/** The path of `url` as it is sent (what a signature covers). */
export function pathOf(url: string): string {
  return split(url).path;
}

/**
 * Sends one request and resolves with the whole answer; rejects with BodyTooLarge, ExchangeTimeout,
 * the error `refuse` returned, or undici's error (connection refused, reset).
 */
export function exchange(url: string, options: ExchangeOptions): Promise<Answer> {
  const { origin, path } = split(url);
  return new Promise<Answer>((resolve, reject) => {
    let settled = false;
    let controller: Dispatcher.DispatchController | undefined;
    let status = 0;
    let headers: AnswerHeaders = {};
    const chunks: Buffer[] = [];
    let seen = 0;
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(error);
    };
    const timer = setTimeout(() => {
      const error = new ExchangeTimeout(options.timeoutMs);
      fail(error);
      // Ends the request wherever it is; undici then calls onResponseError, which finds it settled.
      controller?.abort(error);
    }, options.timeoutMs);
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(started) {
        controller = started;
        // Timed out while connecting: end it as soon as undici hands over the request.
        if (settled) started.abort(new ExchangeTimeout(options.timeoutMs));
      },
      onResponseStart(_controller, statusCode, responseHeaders) {
        status = statusCode;
        headers = responseHeaders;
        const refused = options.refuse?.(statusCode, responseHeaders);
        if (refused) throw refused;
        const declared = Number(responseHeaders['content-length'] ?? NaN);
        if (declared > options.maxBytes) throw new BodyTooLarge(options.maxBytes, declared);
      },
      onResponseData(_controller, chunk) {
        seen += chunk.byteLength;
        if (seen > options.maxBytes) throw new BodyTooLarge(options.maxBytes, seen);
        chunks.push(chunk);
      },
      onResponseEnd() {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ status, headers, text: Buffer.concat(chunks, seen).toString('utf8') });
      },
      onResponseError(_controller, error) {
        fail(error);
      },
    };
    try {
      getGlobalDispatcher().dispatch(
        {
          origin,
          path,
          method: options.method,
          headers: options.headers,
          ...(options.body === undefined ? {} : { body: options.body }),
          // undici's own clocks, never shorter than the exchange's.
          headersTimeout: options.timeoutMs,
          bodyTimeout: options.timeoutMs,
        },
        handler,
      );
    } catch (error) {
      fail(error instanceof Error ? error : new Error(String(error)));
    }
  });
}
