// Test support for hooks: two clusters' keys, hook configs, a relay-side WebSocket client, and deliveries signed as each source signs them.
import { request as httpRequest } from 'node:http';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { sign } from '@octokit/webhooks-methods';
import * as z from 'zod/mini';
import {
  DEFAULT_HOOK_BODY_BYTES,
  HOOK_ROUTES,
  HookStatus,
  hookPath,
  type HookConfig,
} from '../../src/protocol/hooks.ts';
import { HEADERS } from '../../src/protocol/routes.ts';
import { PROTOCOL_VERSION } from '../../src/protocol/version.ts';
import { signHeaders } from '../../src/signing.ts';
import { TEST_SECRET } from './requests.ts';

/** Two clusters, one key each, besides the `default` key of SIGNING_SECRET. */
export const CLUSTER_KEYS = {
  a: { keyId: 'key-a', secret: 'cluster-a-signing-secret', cluster: 'cluster-a' },
  b: { keyId: 'key-b', secret: 'cluster-b-signing-secret', cluster: 'cluster-b' },
} as const;
/** A relay's signing key: its id, secret and the cluster the worker maps it to. */
export interface ClusterKey {
  keyId: string;
  secret: string;
  cluster: string;
}

export const HOOK_TEST_SECRETS: Record<string, string> = {
  SIGNING_SECRET: TEST_SECRET,
  SIGNING_KEYS: JSON.stringify(
    Object.fromEntries(
      Object.values(CLUSTER_KEYS).map((k) => [k.keyId, { secret: k.secret, cluster: k.cluster }]),
    ),
  ),
};

/** A hook of `cluster` with the defaults the relay fills in; its path is derived as the relay derives it. */
export async function hookConfig(
  cluster: string,
  fields: Partial<HookConfig> & Pick<HookConfig, 'name' | 'type' | 'secret'>,
): Promise<HookConfig> {
  const base = { reconciler: 'sites', namespace: 'default', ...fields };
  return {
    path: await hookPath(cluster, base),
    events: [],
    maxBodyBytes: DEFAULT_HOOK_BODY_BYTES,
    rateLimit: { perMinute: 60 },
    ...base,
  };
}

/** The signed headers of a relay's GET of `path` (connect or status). */
export async function relayHeaders(key: ClusterKey, path: string): Promise<Record<string, string>> {
  return {
    [HEADERS.protocol]: String(PROTOCOL_VERSION),
    ...(await signHeaders({ secret: key.secret, keyId: key.keyId, method: 'GET', path, body: '' })),
  };
}

/** The cluster's hook object at a glance, asked with its key. */
export async function hookStatus(base: URL, key: ClusterKey): Promise<HookStatus> {
  const response = await fetch(new URL(HOOK_ROUTES.status, base), {
    headers: await relayHeaders(key, HOOK_ROUTES.status),
  });
  if (response.status !== 200) throw new Error(`status ${String(response.status)}: ${await response.text()}`);
  return HookStatus.parse(await response.json());
}

/** The status of an upgrade attempt made with raw HTTP (a refused one is an ordinary answer). */
export function upgradeStatus(base: URL, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(HOOK_ROUTES.connect, base), {
      headers: {
        ...headers,
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      },
    });
    req.on('upgrade', (response, socket) => {
      socket.destroy();
      resolve(response.statusCode ?? 0);
    });
    req.on('response', (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The relay's end of the hook connection, keeping every frame it receives. */
export class RelaySocket {
  readonly frames: string[] = [];
  readonly #socket: WebSocket;
  #waiters: (() => void)[] = [];
  closed = false;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.addEventListener('message', (event) => {
      this.frames.push(String(event.data));
      for (const wake of this.#waiters.splice(0)) wake();
    });
    socket.addEventListener('close', () => {
      this.closed = true;
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  /** Opens `GET /v1/hooks/connect` signed with `key` (Node's WebSocket sends the extra headers). */
  static async open(base: URL, key: ClusterKey): Promise<RelaySocket> {
    const url = new URL(HOOK_ROUTES.connect, base);
    url.protocol = 'ws:';
    const headers = await relayHeaders(key, HOOK_ROUTES.connect);
    // Node's WebSocket (undici) takes `{ headers }` where the standard takes protocols.
    const socket = new WebSocket(url, { headers } as unknown as string[]);
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener(
        'open',
        () => {
          resolve();
        },
        { once: true },
      );
      socket.addEventListener(
        'error',
        () => {
          reject(new Error('hook connection refused'));
        },
        { once: true },
      );
    });
    return new RelaySocket(socket);
  }

  send(frame: unknown): void {
    this.#socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The parsed JSON frames of `type` received so far. */
  json(type: string): Record<string, unknown>[] {
    return this.frames.flatMap((f) => {
      if (!f.startsWith('{')) return [];
      const parsed = JSON.parse(f) as Record<string, unknown>;
      return parsed.type === type ? [parsed] : [];
    });
  }

  /** Resolves once `done()` holds, checked on each frame; rejects after `timeoutMs`. */
  async until(done: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out waiting for ${what}; frames: ${this.frames.join(' | ').slice(0, 2000)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Closes from the relay's side and waits for the close to complete. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.#socket.close(1000, 'test done');
    await this.until(() => this.closed, 'the close');
  }
}

/** A POST of `body` to a hook path, with `headers`. */
export function postHook(
  base: URL,
  path: string,
  body: string,
  headers: Record<string, string>,
): Promise<Response> {
  return fetch(new URL(path, base), {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** GitHub's headers for `payload`: the event, the delivery GUID and X-Hub-Signature-256 by @octokit/webhooks-methods. */
export async function githubHeaders(
  secret: string,
  payload: string,
  event: string,
  delivery: string,
): Promise<Record<string, string>> {
  return {
    'user-agent': 'GitHub-Hookshot/test',
    'x-github-event': event,
    'x-github-delivery': delivery,
    'x-hub-signature-256': await sign(secret, payload),
  };
}

const Examples = z.array(
  z.object({ name: z.string(), examples: z.array(z.record(z.string(), z.unknown())) }),
);

/** The real payloads of `event` from @octokit/webhooks-examples (GitHub's documented examples). */
export async function githubExamples(event: string): Promise<Record<string, unknown>[]> {
  const require = createRequire(import.meta.url);
  const file = require.resolve('@octokit/webhooks-examples/api.github.com/index.json');
  const all = Examples.parse(JSON.parse(await readFile(file, 'utf8')));
  const found = all.find((d) => d.name === event);
  if (found === undefined) throw new Error(`@octokit/webhooks-examples has no ${event} examples`);
  return found.examples;
}
