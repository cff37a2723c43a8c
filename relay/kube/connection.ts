// Holds the relay's connection to the apiserver (an undici Agent) and replaces it after a network failure.
//
// Why replace it: one HTTP/2 connection carries every call and watch. After a GOAWAY, a reset or a
// silent stall, undici may keep handing requests to a session that will never answer again (seen:
// every call failing for minutes after a GOAWAY ENHANCE_YOUR_CALM). A fresh Agent opens a fresh
// connection; the old one is closed gracefully, so streams still alive on it finish on their own.
import { readFileSync } from 'node:fs';
import type { Dispatcher } from 'undici';
import { Agent, ProxyAgent, Socks5ProxyAgent } from 'undici';
import type { ExecCredential } from './exec-credential.ts';
import type { RestConfig } from './rest-config.ts';
import { RestConfigInvalid } from './rest-config.ts';

/** A token file is re-read at most this often (client-go re-reads a rotating service account token each minute). */
const TOKEN_FILE_TTL_MS = 60_000;
/** The old Agent is destroyed if its streams have not finished by then (longer than any watch's timeout). */
const CLOSE_DEADLINE_MS = 300_000;

export interface ConnectionOptions {
  /** Called when the Agent is replaced, with why. */
  onRenew?: (reason: string) => void;
  /** Builds the Agent; tests inject a fake. */
  agentFor?: (config: RestConfig) => Dispatcher;
}

/** The undici dispatcher for `config`: an Agent, or a proxy agent when `config.proxy` names one (TLS to the apiserver either way). */
export function agentFor(config: RestConfig): Dispatcher {
  const { tls, proxy } = config;
  const connect = {
    ...(tls.ca ? { ca: tls.ca } : {}),
    ...(tls.cert ? { cert: tls.cert } : {}),
    ...(tls.key ? { key: tls.key } : {}),
    ...(tls.serverName ? { servername: tls.serverName } : {}),
    rejectUnauthorized: !tls.insecureSkipVerify,
    // client-go's keep-alive: below common load-balancer idle timeouts.
    keepAlive: true,
    keepAliveInitialDelay: 30_000,
  };
  if (proxy === undefined) return new Agent({ connect });
  // Through a proxy: a CONNECT tunnel (http/https proxies) or SOCKS5, then TLS to the apiserver inside it.
  if (proxy.url.startsWith('socks5:')) return new Socks5ProxyAgent(proxy.url, { requestTls: connect });
  return new ProxyAgent({ uri: proxy.url, requestTls: connect });
}

function sameIdentity(a: { cert: Buffer; key: Buffer } | undefined, b: ExecCredential): boolean {
  return (
    a !== undefined &&
    b.cert !== undefined &&
    b.key !== undefined &&
    a.cert.equals(b.cert) &&
    a.key.equals(b.key)
  );
}

function readToken(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new RestConfigInvalid(
      path,
      'cannot read the bearer token file; in a Pod, check that the service account token is mounted',
      error,
    );
  }
}

export class Connection {
  readonly config: RestConfig;
  readonly #agentFor: (config: RestConfig) => Dispatcher;
  #onRenew: ((reason: string) => void) | undefined;
  #agent: Dispatcher;
  #generation = 0;
  /** Retired Agents still closing, with their graceful close. */
  #retired = new Map<Dispatcher, Promise<void>>();
  #token: { value: string; readAt: number } | undefined;
  /** The client certificate of an exec credential the current Agent presents. */
  #identity: { cert: Buffer; key: Buffer } | undefined;

  constructor(config: RestConfig, options: ConnectionOptions = {}) {
    this.config = config;
    this.#agentFor = options.agentFor ?? agentFor;
    this.#onRenew = options.onRenew;
    this.#agent = this.#agentFor(config);
  }

  /** A new Agent, presenting the exec credential's client certificate if there is one. */
  #newAgent(): Dispatcher {
    const identity = this.#identity;
    if (identity === undefined) return this.#agentFor(this.config);
    return this.#agentFor({ ...this.config, tls: { ...this.config.tls, ...identity } });
  }

  /**
   * What the next request needs: its Authorization header, and for an exec plugin the credential it
   * carries (give it to `refused` on a 401). An exec credential's client certificate, when it changes,
   * replaces the Agent (client-go closes its connections on rotation too).
   */
  async credentials(
    now: number = Date.now(),
  ): Promise<{ authorization: string | undefined; exec?: ExecCredential }> {
    const { auth } = this.config;
    if (auth.type !== 'exec') return { authorization: this.authorization(now) };
    const exec = await auth.credentials.get();
    if (exec.cert !== undefined && exec.key !== undefined && !sameIdentity(this.#identity, exec)) {
      this.#identity = { cert: exec.cert, key: exec.key };
      this.renew(
        this.#generation,
        `exec plugin ${auth.credentials.config.command} gave a new client certificate`,
      );
    }
    return { authorization: exec.token !== undefined ? `Bearer ${exec.token}` : undefined, exec };
  }

  /** The apiserver answered 401 to a request made with `credential`: the exec plugin runs again for the next one. */
  refused(credential: ExecCredential): void {
    if (this.config.auth.type === 'exec') this.config.auth.credentials.refused(credential);
  }

  /** The current Agent and its generation (pass the generation to `renew`). */
  current(): { dispatcher: Dispatcher; generation: number } {
    return { dispatcher: this.#agent, generation: this.#generation };
  }

  /**
   * Replaces the Agent if `generation` is still the current one (many requests failing on the same
   * broken connection renew it once). The old Agent closes gracefully in the background.
   */
  renew(generation: number, reason: string): boolean {
    if (generation !== this.#generation) return false;
    const old = this.#agent;
    this.#agent = this.#newAgent();
    this.#generation++;
    this.#onRenew?.(reason);
    this.#retire(old);
    return true;
  }

  /** The Authorization header of a static credential, if any (a token file is re-read once a minute). */
  authorization(now: number = Date.now()): string | undefined {
    const { auth } = this.config;
    switch (auth.type) {
      case 'none':
      case 'exec':
        return undefined;
      case 'token':
        return `Bearer ${auth.token}`;
      case 'basic':
        return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
      case 'tokenFile':
        if (!this.#token || now - this.#token.readAt >= TOKEN_FILE_TTL_MS)
          this.#token = { value: readToken(auth.path), readAt: now };
        return `Bearer ${this.#token.value}`;
    }
  }

  /** Closes the current Agent gracefully and destroys retired ones (their streams were abandoned). */
  async close(): Promise<void> {
    const retired = [...this.#retired.keys()];
    await Promise.all([
      this.#agent.close().catch(() => undefined),
      ...retired.map((agent) => agent.destroy().catch(() => undefined)),
    ]);
  }

  #retire(agent: Dispatcher): void {
    let timer: NodeJS.Timeout | undefined;
    const closing = Promise.race([
      agent.close(),
      new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          void agent.destroy().finally(resolve);
        }, CLOSE_DEADLINE_MS);
        timer.unref();
      }),
    ])
      .catch(() => undefined)
      .finally(() => {
        clearTimeout(timer);
        this.#retired.delete(agent);
      });
    this.#retired.set(agent, closing);
  }
}
