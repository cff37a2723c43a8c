// ClusterHooks: the Durable Object of one cluster's hooks, the WebSocket server its relay connects to, and where deliveries wait for the relay's ack.
//
// One object per cluster (`HOOKS.idFromName(cluster)`), reached only through the worker, which verified
// the relay's key (connect, status) or routes by the public path's cluster (deliveries). It holds no
// timer and no alarm: it runs when a delivery is posted or the relay sends a frame, and sleeps otherwise.
// The relay's "ping" is answered "pong" by the runtime (setWebSocketAutoResponse), so a connected, idle
// cluster never wakes this code; `handledFrames` counts every frame the code did handle.
//
// Guarantee: a delivery answered 202 `accepted: true` is stored before the answer, and sent to every
// connection that has sent its hooks, now and on each later connection, until an `ack` names it.
import { ERROR_STATUS, type ErrorBody } from '../../src/protocol/errors.ts';
import {
  HOOK_PATH,
  HOOK_PING,
  HOOK_PONG,
  HOOK_ROUTES,
  RelayHookMessage,
  type HookErrorMessage,
  type HookStatus,
} from '../../src/protocol/hooks.ts';
import { summarizeIssues } from '../validation/issues.ts';
import { acceptDelivery, type Outcome } from './accept.ts';
import { compileFilter } from './filter.ts';
import {
  upgradeResponse,
  webSocketRuntime,
  type DurableObjectState,
  type HibernatableWebSocket,
} from './runtime.ts';
import { HookStore } from './store.ts';

/** The verified cluster of a connect or status request, set by the worker (the object is never public). */
export const CLUSTER_HEADER = 'x-zeroloop-hooks-cluster';
/** The error code of a refused delivery, for the worker's request log; the worker strips it. */
export const ERROR_CODE_HEADER = 'x-zeroloop-error-code';

/** What a connection remembers across hibernation. */
interface Attachment {
  cluster: string;
  /** The connection has sent its hooks, so deliveries go to it. */
  ready: boolean;
}

function attachmentOf(ws: HibernatableWebSocket): Attachment {
  const value = ws.deserializeAttachment() as Partial<Attachment> | null;
  return { cluster: value?.cluster ?? '', ready: value?.ready === true };
}

function json(body: unknown, status: number, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

function answer(outcome: Outcome): Response {
  switch (outcome.kind) {
    case 'accepted':
      return json({ accepted: true, delivery: outcome.delivery.id }, 202);
    case 'ignored':
      return json({ accepted: false, delivery: outcome.delivery, reason: outcome.reason }, 202);
    case 'refused': {
      const body: ErrorBody = { error: { code: outcome.code, message: outcome.message } };
      const headers: Record<string, string> = { [ERROR_CODE_HEADER]: outcome.code };
      if (outcome.retryAfterSeconds !== undefined) headers['retry-after'] = String(outcome.retryAfterSeconds);
      return json(body, ERROR_STATUS[outcome.code], headers);
    }
  }
}

/** A relay frame, parsed; or what is wrong with it. */
function parseFrame(text: string): RelayHookMessage | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'frame is not JSON';
  }
  const frame = RelayHookMessage.safeParse(json);
  return frame.success ? frame.data : `frame is not a hooks or ack message (${summarizeIssues(frame.error)})`;
}

function log(line: Record<string, unknown>): void {
  console.log(JSON.stringify({ level: 'info', ...line }));
}

export class ClusterHooks {
  readonly #state: DurableObjectState;
  readonly #store: HookStore;

  constructor(state: DurableObjectState) {
    this.#state = state;
    this.#store = new HookStore(state.storage);
    const { WebSocketRequestResponsePair } = webSocketRuntime();
    state.setWebSocketAutoResponse(new WebSocketRequestResponsePair(HOOK_PING, HOOK_PONG));
  }

  async fetch(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    const cluster = request.headers.get(CLUSTER_HEADER) ?? '';
    if (path === HOOK_ROUTES.connect) return this.#connect(request, cluster);
    if (path === HOOK_ROUTES.status) return json(this.#status(cluster), 200);
    const match = HOOK_PATH.exec(path);
    if (request.method === 'POST' && match !== null) return this.#deliver(request, path, match[1] ?? '');
    return json({ error: { code: 'not_found', message: `the hook object serves no ${path}` } }, 404);
  }

  #connect(request: Request, cluster: string): Response {
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket' || cluster === '') {
      return json(
        { error: { code: 'bad_request', message: 'expected a WebSocket upgrade from the worker' } },
        400,
      );
    }
    const pair = new (webSocketRuntime().WebSocketPair)();
    const server = pair[1];
    this.#state.acceptWebSocket(server);
    server.serializeAttachment({ cluster, ready: false } satisfies Attachment);
    log({ msg: 'hooks.connected', cluster, connections: this.#state.getWebSockets().length });
    return upgradeResponse(pair[0]);
  }

  async #deliver(request: Request, path: string, cluster: string): Promise<Response> {
    const outcome = await acceptDelivery(request, path, this.#store, Date.now());
    if (outcome.kind === 'accepted') {
      const { delivery } = outcome;
      const frame = JSON.stringify(delivery);
      let sent = 0;
      for (const ws of this.#state.getWebSockets()) {
        if (attachmentOf(ws).ready && this.#send(ws, frame)) sent++;
      }
      log({
        msg: 'hook.accepted',
        cluster,
        reconciler: delivery.reconciler,
        namespace: delivery.namespace,
        hook: delivery.name,
        event: delivery.event,
        delivery: delivery.id,
        sentTo: sent,
      });
    }
    return answer(outcome);
  }

  #status(cluster: string): HookStatus {
    const sockets = this.#state.getWebSockets();
    const pongs = sockets
      .map((ws) => this.#state.getWebSocketAutoResponseTimestamp(ws)?.getTime())
      .filter((t): t is number => t !== undefined);
    const status: HookStatus = {
      cluster,
      hooks: this.#store.hookCount,
      pending: this.#store.pendingCount,
      remembered: this.#store.rememberedCount,
      connections: sockets.length,
      ready: sockets.filter((ws) => attachmentOf(ws).ready).length,
      handledFrames: this.#store.counter('frames'),
    };
    if (pongs.length > 0) status.lastPongAt = Math.max(...pongs);
    return status;
  }

  /** The hibernation API's handler: every frame but "ping" arrives here. */
  webSocketMessage(ws: HibernatableWebSocket, message: string | ArrayBuffer): void {
    this.#store.bump('frames');
    const frame = typeof message === 'string' ? parseFrame(message) : 'frames must be JSON text';
    if (typeof frame === 'string') {
      this.#refuse(ws, frame);
      return;
    }
    if (frame.type === 'ack') {
      this.#store.acknowledge(frame.ids);
      return;
    }
    const attachment = attachmentOf(ws);
    const { hooks } = frame;
    const foreign = hooks.find((hook) => HOOK_PATH.exec(hook.path)?.[1] !== attachment.cluster);
    if (foreign !== undefined) {
      this.#refuse(
        ws,
        `hook ${foreign.namespace}/${foreign.reconciler}/${foreign.name}: its path is not under /hooks/${attachment.cluster}/, the cluster of this connection's key`,
      );
      return;
    }
    this.#store.replaceHooks(hooks);
    const unparsable = hooks.flatMap((hook) => {
      const compiled = hook.filter === undefined ? undefined : compileFilter(hook.filter);
      return compiled === undefined || compiled.ok
        ? []
        : [`${hook.namespace}/${hook.reconciler}/${hook.name}: ${compiled.message}`];
    });
    if (unparsable.length > 0) {
      this.#refuse(ws, `stored, but these hooks will ignore every delivery: ${unparsable.join('; ')}`);
    }
    log({ msg: 'hooks.replaced', cluster: attachment.cluster, hooks: hooks.length });
    if (!attachment.ready) {
      ws.serializeAttachment({ ...attachment, ready: true } satisfies Attachment);
      for (const pending of this.#store.pendingFrames()) if (!this.#send(ws, pending)) break;
    }
  }

  webSocketClose(ws: HibernatableWebSocket, code: number, reason: string): void {
    try {
      ws.close(code, reason);
    } catch {
      // already closed: the runtime answered the close itself
    }
  }

  webSocketError(): void {
    // The runtime closes the socket; its deliveries stay stored for the next connection.
  }

  #send(ws: HibernatableWebSocket, frame: string): boolean {
    try {
      ws.send(frame);
      return true;
    } catch {
      return false;
    }
  }

  #refuse(ws: HibernatableWebSocket, message: string): void {
    const frame: HookErrorMessage = { type: 'error', message };
    this.#send(ws, JSON.stringify(frame));
  }
}
