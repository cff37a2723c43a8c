// A thin REST client for the apiserver: authenticated JSON requests, line streams for watches, typed errors.
//
// Failures without an answer (status 0: reset, GOAWAY, timeout) renew the connection, so the next
// call opens a fresh one. Bodies over the apiserver's 3 MiB limit are refused before sending. With an
// exec plugin's credential, a 401 drops that credential, runs the plugin again and retries the request
// once (client-go only refreshes, so its request fails; one retry hides a token that expired early).
import { createInterface } from 'node:readline';
import type { Dispatcher } from 'undici';
import type { ConnectionOptions } from './connection.ts';
import { Connection } from './connection.ts';
import { Status } from './object.ts';
import type { RestConfig } from './rest-config.ts';
import { parseRetryAfter } from '../retry-after.ts';

/** The apiserver answered with a non-2xx status. `status` 0 means no answer (network failure). */
export class KubeApiError extends Error {
  override readonly name: string = 'KubeApiError';
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly reason: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(options: {
    method: string;
    path: string;
    status: number;
    reason?: string | undefined;
    message: string;
    retryAfterMs?: number | undefined;
    cause?: unknown;
  }) {
    super(`${options.method} ${options.path}: ${options.status || 'no answer'} ${options.message}`, {
      cause: options.cause,
    });
    this.method = options.method;
    this.path = options.path;
    this.status = options.status;
    this.reason = options.reason;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** The apiserver's limit on a request body (kube-apiserver's MaxRequestBodyBytes). */
export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;

/** A request body over the apiserver's 3 MiB limit was refused here, before sending (it would fail there, or worse). */
export class RequestBodyTooLarge extends KubeApiError {
  override readonly name = 'RequestBodyTooLarge';
  readonly bytes: number;
  constructor(method: string, path: string, bytes: number) {
    super({
      method,
      path,
      status: 413,
      reason: 'RequestEntityTooLarge',
      message:
        `request body of ${bytes} bytes is over the apiserver's ${MAX_REQUEST_BODY_BYTES}-byte limit; not sent. ` +
        'Make the object smaller (move bulk data out of it, or split it into several objects)',
    });
    this.bytes = bytes;
  }
}

/** What the client tells its observers: every answer (status 0 = none) and every watch line. */
export interface KubeClientHooks {
  /** A request finished: `status` is the HTTP status, 0 when no answer came. `verb` is the method, or WATCH. */
  onCall?: (verb: string, status: number) => void;
  /** A watch delivered a line (an event or a bookmark): the apiserver is alive. */
  onWatchActivity?: () => void;
  /** The connection was replaced after a network failure. */
  onRenew?: ConnectionOptions['onRenew'];
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface KubeClientOptions {
  timeoutMs?: number;
  /** The User-Agent header (the apiserver's audit log records it). */
  userAgent?: string;
  hooks?: KubeClientHooks;
  /** Builds the undici Agent; tests inject a fake. */
  agentFor?: ConnectionOptions['agentFor'];
}

export class KubeClient {
  readonly config: RestConfig;
  readonly server: string;
  readonly defaultTimeoutMs: number;
  readonly #connection: Connection;
  readonly #hooks: KubeClientHooks;
  readonly #userAgent: string | undefined;

  constructor(config: RestConfig, options: KubeClientOptions = {}) {
    this.config = config;
    this.server = config.server;
    this.defaultTimeoutMs = options.timeoutMs ?? 30_000;
    this.#hooks = options.hooks ?? {};
    this.#userAgent = options.userAgent;
    this.#connection = new Connection(config, {
      ...(options.hooks?.onRenew ? { onRenew: options.hooks.onRenew } : {}),
      ...(options.agentFor ? { agentFor: options.agentFor } : {}),
    });
  }

  /** Sends one request and returns the parsed JSON answer (or undefined for an empty body). */
  request(method: Method, path: string, options: RequestOptions = {}): Promise<unknown> {
    return this.#request(method, path, options, options.timeoutMs ?? this.defaultTimeoutMs);
  }

  async #request(method: Method, path: string, options: RequestOptions, timeoutMs: number): Promise<unknown> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const sent = await this.#send(method, method, path, options, signal);
    let { response, generation } = sent;
    if (response.statusCode === 401 && sent.exec !== undefined) {
      this.#hooks.onCall?.(method, 401);
      await response.body.dump().catch(() => undefined);
      this.#connection.refused(sent.exec);
      ({ response, generation } = await this.#send(method, method, path, options, signal));
    }
    let text: string;
    try {
      text = await response.body.text();
    } catch (cause) {
      throw this.#noAnswer(method, method, path, generation, signal, cause);
    }
    this.#hooks.onCall?.(method, response.statusCode);
    if (!ok(response))
      throw errorFrom(method, path, response.statusCode, text, header(response, 'retry-after'));
    return text.length === 0 ? undefined : (JSON.parse(text) as unknown);
  }

  /** Opens a streaming GET and yields its lines until the server closes it or `signal` aborts. */
  async stream(
    path: string,
    query: RequestOptions['query'],
    signal: AbortSignal,
  ): Promise<AsyncIterable<string>> {
    const sent = await this.#send('WATCH', 'GET', path, { query: query ?? {} }, signal);
    let { response, generation } = sent;
    if (response.statusCode === 401 && sent.exec !== undefined) {
      this.#hooks.onCall?.('WATCH', 401);
      await response.body.dump().catch(() => undefined);
      this.#connection.refused(sent.exec);
      ({ response, generation } = await this.#send('WATCH', 'GET', path, { query: query ?? {} }, signal));
    }
    this.#hooks.onCall?.('WATCH', response.statusCode);
    if (!ok(response)) {
      throw errorFrom(
        'GET',
        path,
        response.statusCode,
        await response.body.text().catch(() => ''),
        header(response, 'retry-after'),
      );
    }
    const lines = createInterface({ input: response.body, crlfDelay: Infinity });
    return this.#observed(lines, path, generation, signal);
  }

  /** Closes the connection (the relay is stopping). */
  close(): Promise<void> {
    return this.#connection.close();
  }

  async *#observed(
    lines: AsyncIterable<string>,
    path: string,
    generation: number,
    signal: AbortSignal,
  ): AsyncGenerator<string> {
    try {
      for await (const line of lines) {
        this.#hooks.onWatchActivity?.();
        yield line;
      }
    } catch (cause) {
      throw this.#noAnswer('WATCH', 'GET', path, generation, signal, cause);
    }
  }

  async #send(verb: string, method: Method, path: string, options: RequestOptions, signal: AbortSignal) {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(options.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    // undici's request(), not fetch(): no WHATWG streams or Request objects per call, and no
    // gzip (fetch asks for it; on a cluster network it only costs CPU on both ends).
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#userAgent !== undefined) headers['user-agent'] = this.#userAgent;
    const { authorization, exec } = await this.#connection.credentials();
    if (authorization !== undefined) headers.authorization = authorization;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      const bytes = Buffer.byteLength(body);
      if (bytes > MAX_REQUEST_BODY_BYTES) throw new RequestBodyTooLarge(method, path, bytes);
      headers['content-type'] = options.contentType ?? 'application/json';
    }
    const { dispatcher, generation } = this.#connection.current();
    try {
      const response = await dispatcher.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
        signal,
      });
      return { response, generation, exec };
    } catch (cause) {
      throw this.#noAnswer(verb, method, path, generation, signal, cause);
    }
  }

  /**
   * A call got no (complete) answer. The caller's own abort passes through untouched; anything else
   * (reset, GOAWAY, socket error, our timeout) is a KubeApiError with status 0 and renews the connection.
   */
  #noAnswer(
    verb: string,
    method: Method,
    path: string,
    generation: number,
    signal: AbortSignal,
    cause: unknown,
  ): unknown {
    if (signal.aborted && !isTimeout(signal.reason)) return cause;
    const message = describe(cause);
    this.#hooks.onCall?.(verb, 0);
    this.#connection.renew(generation, `${verb} ${path}: ${message}`);
    return new KubeApiError({ method, path, status: 0, message, cause });
  }
}

function ok(response: Dispatcher.ResponseData): boolean {
  return response.statusCode >= 200 && response.statusCode < 300;
}

function header(response: Dispatcher.ResponseData, name: string): string | null {
  const value = response.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

function isTimeout(reason: unknown): boolean {
  return reason instanceof DOMException && reason.name === 'TimeoutError';
}

/** The innermost useful message: undici wraps socket errors as `fetch failed` with a cause. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${describe(error.cause)}` : '';
  return `${error.message}${cause}`;
}

function errorFrom(method: string, path: string, status: number, text: string, retryAfter: string | null) {
  let reason: string | undefined;
  let message = text.slice(0, 500);
  try {
    const parsed = Status.safeParse(JSON.parse(text));
    if (parsed.success) {
      reason = parsed.data.reason;
      message = parsed.data.message ?? message;
    }
  } catch {
    // not JSON: keep the raw text
  }
  return new KubeApiError({
    method,
    path,
    status,
    reason,
    message,
    retryAfterMs: parseRetryAfter(retryAfter),
  });
}

/** What most users of the client need: one request (a fake in unit tests, the elector's fence in front of writes). */
export type KubeRequester = Pick<KubeClient, 'request'>;
