// A thin REST client for the apiserver: authenticated JSON requests, line streams for watches, typed errors.
import type { KubeConfig } from '@kubernetes/client-node';
import { HttpMethod, RequestContext } from '@kubernetes/client-node';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { fetch } from 'undici';
import { Status } from './object.ts';

/** The apiserver answered with a non-2xx status. `status` 0 means no answer (network failure). */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
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

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export class KubeClient {
  readonly kubeConfig: KubeConfig;
  readonly server: string;
  #dispatcher: Dispatcher | undefined;
  #dispatcherReady = false;
  readonly defaultTimeoutMs: number;

  constructor(kubeConfig: KubeConfig, options: { timeoutMs?: number } = {}) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster: set current-context');
    this.kubeConfig = kubeConfig;
    this.server = cluster.server.replace(/\/$/, '');
    this.defaultTimeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Sends one request and returns the parsed JSON answer (or undefined for an empty body). */
  async request(method: Method, path: string, options: RequestOptions = {}): Promise<unknown> {
    const timeout = AbortSignal.timeout(options.timeoutMs ?? this.defaultTimeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const response = await this.#send(method, path, options, signal);
    const text = await response.text();
    if (!response.ok)
      throw errorFrom(method, path, response.status, text, response.headers.get('retry-after'));
    return text.length === 0 ? undefined : (JSON.parse(text) as unknown);
  }

  /** Opens a streaming GET and yields its lines until the server closes it or `signal` aborts. */
  async stream(
    path: string,
    query: RequestOptions['query'],
    signal: AbortSignal,
  ): Promise<AsyncIterable<string>> {
    const response = await this.#send('GET', path, { query: query ?? {} }, signal);
    if (!response.ok || !response.body) {
      throw errorFrom(
        'GET',
        path,
        response.status,
        await response.text(),
        response.headers.get('retry-after'),
      );
    }
    return createInterface({ input: Readable.fromWeb(response.body), crlfDelay: Infinity });
  }

  async #send(method: Method, path: string, options: RequestOptions, signal: AbortSignal) {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(options.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const ctx = new RequestContext(url.toString(), HttpMethod.GET);
    await this.kubeConfig.applySecurityAuthentication(ctx);
    // client-node builds a new undici Agent per call; keep the first so connections are reused.
    if (!this.#dispatcherReady) {
      this.#dispatcher = ctx.getDispatcher();
      this.#dispatcherReady = true;
    }
    const headers: Record<string, string> = { ...ctx.getHeaders(), accept: 'application/json' };
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = options.contentType ?? 'application/json';
    }
    try {
      return await fetch(url, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
        signal,
        ...(this.#dispatcher ? { dispatcher: this.#dispatcher } : {}),
      });
    } catch (cause) {
      if (signal.aborted && signal.reason instanceof DOMException && signal.reason.name === 'AbortError')
        throw cause;
      throw new KubeApiError({
        method,
        path,
        status: 0,
        message: cause instanceof Error ? cause.message : String(cause),
        cause,
      });
    }
  }
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

/** Retry-After in seconds or as an HTTP date, to milliseconds. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
