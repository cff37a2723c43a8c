// The leader's outbound WebSocket to its cluster's hook object: signed connect, the hook set first, deliveries in, acks out; reconnects with backoff and pings every 30 s.
//
// One connection per worker endpoint and signing key. Its states:
//   asking      the worker is asked which cluster the key is for (a hook's path names it)
//   connecting  the signed upgrade is on its way (bounded by HANDSHAKE_TIMEOUT_MS)
//   open        the hook set was sent; deliveries arrive, acks leave, a "ping" goes out every PING_INTERVAL_MS
//   backoff     a failure: the next attempt waits 0.5 s doubling to 30 s (±20 %), reset by the first "pong"
//   stopped     closed for good (this relay stops leading, or no hook needs the endpoint any more)
//
// The ping is the relay's only timer while it is idle. It is needed twice over: proxies between the
// cluster and the worker close a WebSocket that carries nothing (Cloudflare after about 100 s of
// silence; a cloud load balancer's idle timeout is often 60 s), and a connection whose peer vanished
// (a NAT entry dropped, a network cut) gives no sign on its own, so deliveries would wait on a dead
// socket. Every 30 s stays under both idle limits and notices a dead peer within 60 s (a ping
// unanswered by the next one). The object's runtime answers "pong" itself (an auto-response):
// the ping never runs the object's code, so an idle cluster costs no request and no reconcile.
import { WebSocket } from 'undici';
import {
  type DeliveryMessage,
  HOOK_PING,
  HOOK_PONG,
  HOOK_ROUTES,
  type HooksMessage,
  ObjectHookMessage,
} from '../../src/protocol/hooks.ts';
import { errorMessage } from '../../src/error-message.ts';
import type { Clock, Timer } from '../clock.ts';
import type { Logger } from '../observe/log.ts';
import { type HookTarget, signedGetHeaders, targetUrl } from './signed.ts';

/** The messages of the connection's log lines that tools and tests match. */
export const MSG_HOOK_CONNECTION_OPEN = 'hook connection open';
export const MSG_HOOK_CONNECTION_LOST = 'hook connection lost; reconnecting';

export const PING_INTERVAL_MS = 30_000;
export const HANDSHAKE_TIMEOUT_MS = 15_000;
export const RECONNECT_BASE_MS = 500;
export const RECONNECT_MAX_MS = 30_000;
/** Ids per ack frame. */
const ACK_CHUNK = 1000;

export interface SocketHandlers {
  open(): void;
  message(text: string): void;
  closed(code: number, reason: string): void;
}

/** What the connection needs of a WebSocket. */
export interface HookSocket {
  send(text: string): void;
  close(code?: number, reason?: string): void;
}

/** Opens a WebSocket to `url` (http(s), turned into ws(s)) with `headers` on the upgrade request. */
export type OpenSocket = (url: URL, headers: Record<string, string>, handlers: SocketHandlers) => HookSocket;

export type ConnectionState = 'asking' | 'connecting' | 'open' | 'backoff' | 'stopped';

export interface HookConnectionOptions {
  target: HookTarget;
  clock: Clock;
  log: Logger;
  /** Which cluster the target's key is for (cluster.ts); asked before each connect. */
  askCluster: () => Promise<string>;
  /** The cluster became known or changed: the owner computes the hook paths and calls `sendHooks`. */
  onCluster: (cluster: string) => void;
  /** A delivery arrived (parsed); the owner acknowledges it with `ack` once dispatched. */
  onDelivery: (delivery: DeliveryMessage) => void;
  /** Default: undici's WebSocket. */
  openSocket?: OpenSocket;
  pingIntervalMs?: number;
  /** Jitter source in [0, 1); default Math.random. */
  random?: () => number;
}

/** The delay before reconnect attempt `attempt` (0-based): 0.5 s doubling to 30 s, ±20 %. */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** Math.min(attempt, 16));
  return Math.round(base * (0.8 + 0.4 * random()));
}

export class HookConnection {
  #o: HookConnectionOptions;
  #open: OpenSocket;
  #pingMs: number;
  #state: ConnectionState = 'asking';
  #cluster: string | undefined;
  #socket: HookSocket | undefined;
  /** Which socket the handlers belong to: events of a replaced one are ignored. */
  #generation = 0;
  #timer: Timer | undefined;
  #attempt = 0;
  #awaitingPong = false;
  /** The last hook set, as JSON: sent first on every connection. */
  #hooks: string | undefined;
  #log: Logger;

  constructor(options: HookConnectionOptions) {
    this.#o = options;
    this.#open = options.openSocket ?? undiciSocket;
    this.#pingMs = options.pingIntervalMs ?? PING_INTERVAL_MS;
    this.#log = options.log.child({ endpoint: options.target.endpoint });
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** The cluster the worker named for the key, once known. */
  get cluster(): string | undefined {
    return this.#cluster;
  }

  start(): void {
    void this.#connect();
  }

  /** Closes the socket and stops reconnecting. */
  stop(): void {
    this.#state = 'stopped';
    this.#timer?.cancel();
    this.#generation++;
    this.#socket?.close(1000, 'relay stopping');
    this.#socket = undefined;
  }

  /** Replaces the hook set: sent now when open, and first on every later connection. */
  sendHooks(message: HooksMessage): void {
    this.#hooks = JSON.stringify(message);
    if (this.#state === 'open') this.#socket?.send(this.#hooks);
  }

  /** Acknowledges deliveries; false when not open (the object sends them again on the next connection). */
  ack(ids: readonly string[]): boolean {
    if (this.#state !== 'open' || !this.#socket) return false;
    for (let i = 0; i < ids.length; i += ACK_CHUNK)
      this.#socket.send(JSON.stringify({ type: 'ack', ids: ids.slice(i, i + ACK_CHUNK) }));
    return true;
  }

  async #connect(): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#state = 'asking';
    let cluster: string;
    try {
      cluster = await this.#o.askCluster();
    } catch (error) {
      this.#retry(`cannot learn the cluster: ${errorMessage(error)}`);
      return;
    }
    if (!this.#still('asking')) return;
    if (cluster !== this.#cluster) {
      this.#cluster = cluster;
      this.#o.onCluster(cluster);
    }
    this.#state = 'connecting';
    const url = targetUrl(this.#o.target.endpoint, HOOK_ROUTES.connect);
    const headers = await signedGetHeaders(this.#o.target, url, this.#o.clock.now());
    if (!this.#still('connecting')) return;
    const generation = ++this.#generation;
    const mine = () => generation === this.#generation;
    this.#timer = this.#o.clock.setTimer(() => {
      if (mine() && this.#state === 'connecting')
        this.#drop(`no WebSocket within ${HANDSHAKE_TIMEOUT_MS} ms`);
    }, HANDSHAKE_TIMEOUT_MS);
    try {
      this.#socket = this.#open(url, headers, {
        open: () => {
          if (mine()) this.#opened();
        },
        message: (text) => {
          if (mine()) this.#frame(text);
        },
        closed: (code, reason) => {
          if (!mine()) return;
          this.#socket = undefined;
          this.#retry(`closed (${String(code)}${reason ? `: ${reason}` : ''})`);
        },
      });
    } catch (error) {
      this.#retry(`cannot open the WebSocket: ${errorMessage(error)}`);
    }
  }

  /** Whether the state is still `state` after an await (stop() may have run meanwhile). */
  #still(state: ConnectionState): boolean {
    return this.#state === state;
  }

  #opened(): void {
    this.#timer?.cancel();
    this.#state = 'open';
    this.#awaitingPong = false;
    this.#log.info(MSG_HOOK_CONNECTION_OPEN, { cluster: this.#cluster });
    if (this.#hooks !== undefined) this.#socket?.send(this.#hooks);
    this.#schedulePing();
  }

  #schedulePing(): void {
    const generation = this.#generation;
    this.#timer = this.#o.clock.setTimer(() => {
      if (generation !== this.#generation || this.#state !== 'open') return;
      if (this.#awaitingPong) {
        this.#drop(`no pong within ${String(this.#pingMs)} ms`);
        return;
      }
      this.#awaitingPong = true;
      this.#socket?.send(HOOK_PING);
      this.#schedulePing();
    }, this.#pingMs);
  }

  #frame(text: string): void {
    this.#awaitingPong = false;
    if (text === HOOK_PONG) {
      this.#attempt = 0;
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.#log.warn('hook frame refused: not JSON', { bytes: text.length });
      return;
    }
    const parsed = ObjectHookMessage.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      this.#log.warn('hook frame refused: not a delivery', {
        at: issue?.path.join('.'),
        problem: issue?.message,
      });
      return;
    }
    this.#attempt = 0;
    const message = parsed.data;
    if (message.type === 'error')
      this.#log.warn('the hook object refused a frame', { message: message.message });
    else this.#o.onDelivery(message);
  }

  /** Gives up on the current socket and reconnects after backoff. */
  #drop(why: string): void {
    this.#generation++;
    this.#socket?.close(4000, why.slice(0, 100));
    this.#socket = undefined;
    this.#retry(why);
  }

  #retry(why: string): void {
    if (this.#state === 'stopped') return;
    this.#timer?.cancel();
    this.#state = 'backoff';
    const delayMs = reconnectDelay(this.#attempt++, this.#o.random);
    this.#log.warn(MSG_HOOK_CONNECTION_LOST, { why, retryInMs: delayMs });
    this.#timer = this.#o.clock.setTimer(() => {
      void this.#connect();
    }, delayMs);
  }
}

/** undici's WebSocket, which can send headers with the upgrade (the signature). */
export const undiciSocket: OpenSocket = (url, headers, handlers) => {
  const ws = new URL(url);
  ws.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const socket = new WebSocket(ws, { headers });
  socket.addEventListener('open', () => {
    handlers.open();
  });
  socket.addEventListener('message', (event) => {
    if (typeof event.data === 'string') handlers.message(event.data);
  });
  socket.addEventListener('close', (event) => {
    handlers.closed(event.code, event.reason);
  });
  // An 'error' is always followed by 'close', which reconnects.
  socket.addEventListener('error', () => undefined);
  return {
    send: (text) => {
      socket.send(text);
    },
    close: (code, reason) => {
      socket.close(code, reason);
    },
  };
};
