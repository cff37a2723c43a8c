// The few workerd APIs the hook object uses (Durable Object state, SQLite storage, hibernatable WebSockets), typed by hand.
//
// Written out rather than taken from @cloudflare/workers-types: the project type-checks with the DOM lib,
// which conflicts with the runtime types, and a team's project type-checks this package without them.
// Each interface holds only the members used here, with workerd's names and signatures.

/** `ctx.storage.sql`: SQLite in the object, synchronous. */
export interface SqlStorage {
  exec(query: string, ...bindings: (string | number | null)[]): SqlCursor;
}

export interface SqlCursor {
  toArray(): Record<string, string | number | null>[];
  readonly rowsWritten: number;
}

/** A server-side WebSocket held by the runtime; its attachment survives hibernation. */
export interface HibernatableWebSocket {
  send(message: string): void;
  close(code?: number, reason?: string): void;
  serializeAttachment(value: unknown): void;
  deserializeAttachment(): unknown;
}

/** `ctx` of a Durable Object: storage and the hibernation API. */
export interface DurableObjectState {
  storage: { sql: SqlStorage; transactionSync<T>(fn: () => T): T };
  acceptWebSocket(ws: HibernatableWebSocket, tags?: string[]): void;
  getWebSockets(tag?: string): HibernatableWebSocket[];
  setWebSocketAutoResponse(pair: unknown): void;
  getWebSocketAutoResponseTimestamp(ws: HibernatableWebSocket): Date | null;
}

/** A binding to a Durable Object class (`HOOKS`). */
export interface DurableObjectNamespace {
  idFromName(name: string): unknown;
  get(id: unknown): { fetch(request: Request): Promise<Response> };
}

interface WebSocketRuntime {
  WebSocketPair: new () => { 0: HibernatableWebSocket; 1: HibernatableWebSocket };
  WebSocketRequestResponsePair: new (request: string, response: string) => unknown;
}

/** workerd's WebSocket globals; read when called, so Node can load the modules that mention them. */
export function webSocketRuntime(): WebSocketRuntime {
  return globalThis as unknown as WebSocketRuntime;
}

/** A 101 answer carrying the client end of a WebSocket pair (workerd's ResponseInit has `webSocket`). */
export function upgradeResponse(client: unknown): Response {
  const init: ResponseInit & { webSocket: unknown } = { status: 101, webSocket: client };
  return new Response(null, init);
}

/** The client end of an upgrade answered by another worker or object, if any. */
export function webSocketOf(response: Response): unknown {
  return (response as Response & { webSocket?: unknown }).webSocket ?? undefined;
}
