// Talks HTTPS to the control plane and polls it until it answers as expected, failing fast if a process died.
import { request } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Child } from './process.ts';
import { errorMessage } from '../src/error-message.ts';

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

export interface HttpsGetOptions {
  /** PEM bundle to verify the server with. */
  readonly ca: string;
  readonly token?: string;
  readonly timeoutMs?: number;
}

/** One HTTPS GET with a custom CA and an optional bearer token. */
export function httpsGet(url: string, options: HttpsGetOptions): Promise<HttpAnswer> {
  return httpsRequest('GET', url, options);
}

/** One HTTPS request with a custom CA, an optional bearer token and an optional JSON body. */
export function httpsRequest(
  method: string,
  url: string,
  options: HttpsGetOptions & { readonly json?: unknown },
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> =
      options.token === undefined ? {} : { authorization: `Bearer ${options.token}` };
    if (options.json !== undefined) headers['content-type'] = 'application/json';
    const req = request(
      url,
      {
        method,
        ca: options.ca,
        headers,
        timeout: options.timeoutMs ?? 5000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end(options.json === undefined ? undefined : JSON.stringify(options.json));
  });
}

/** Thrown by `waitFor` when a watched child exits while waiting. */
export class ChildExited extends Error {
  override readonly name = 'ChildExited';
  readonly child: Child;
  constructor(child: Child) {
    const exit = child.exit();
    super(`${child.name} exited (code ${exit?.code ?? '?'}, signal ${exit?.signal ?? 'none'})`);
    this.child = child;
  }
}

/** Thrown by `waitFor` at the deadline; carries the last observation. */
export class WaitTimedOut extends Error {
  override readonly name = 'WaitTimedOut';
}

/**
 * Calls `check` every `intervalMs` until it returns true. Stops early with ChildExited if any of
 * `children` exits, and with WaitTimedOut at `deadline` (epoch ms). `check` errors count as "not yet";
 * the last one is reported at timeout.
 */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  opts: { readonly deadline: number; readonly children: readonly Child[]; readonly intervalMs?: number },
): Promise<void> {
  let last: string;
  for (;;) {
    for (const child of opts.children) if (child.exit() !== undefined) throw new ChildExited(child);
    try {
      if (await check()) return;
      last = 'not ready';
    } catch (error) {
      last = errorMessage(error);
    }
    if (Date.now() >= opts.deadline) throw new WaitTimedOut(`timed out waiting for ${what} (last: ${last})`);
    await sleep(opts.intervalMs ?? 100);
  }
}
