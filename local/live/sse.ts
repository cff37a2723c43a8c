// A server-sent events hub: keeps the open `text/event-stream` responses and writes each event to all of them.
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface SseEvent {
  /** The event's name (`event:` field); the browser's EventSource dispatches it to that listener. */
  event: string;
  /** Sent as JSON, one `data:` line. */
  data: unknown;
  /** The `id:` field, which EventSource sends back as Last-Event-ID when it reconnects. */
  id?: number;
}

/** One event in the wire format: `id:`, `event:`, `data:` lines and a blank line. */
export function formatEvent(e: SseEvent): string {
  // JSON.stringify escapes newlines inside strings, so the data is always a single line.
  return `${e.id !== undefined ? `id: ${String(e.id)}\n` : ''}event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`;
}

/** Bytes queued for one slow reader before it is disconnected. */
const MAX_BUFFERED = 8 * 1024 * 1024;

export interface SseHubOptions {
  /** A comment line is sent this often so proxies and idle timeouts keep the stream open; default 15 000. */
  heartbeatMs?: number;
  /** Tells the browser how long to wait before reconnecting; default 1 000. */
  retryMs?: number;
}

export class SseHub {
  #clients = new Set<ServerResponse>();
  #heartbeat: NodeJS.Timeout;
  #retryMs: number;

  constructor(options: SseHubOptions = {}) {
    this.#retryMs = options.retryMs ?? 1_000;
    this.#heartbeat = setInterval(() => {
      this.#write(': ping\n\n');
    }, options.heartbeatMs ?? 15_000);
    this.#heartbeat.unref();
  }

  get size(): number {
    return this.#clients.size;
  }

  /** Answers `req` with an event stream, sends `first` (the current state) to it alone, then every broadcast. */
  open(req: IncomingMessage, res: ServerResponse, first: readonly SseEvent[]): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: ${String(this.#retryMs)}\n\n`);
    for (const e of first) res.write(formatEvent(e));
    this.#clients.add(res);
    const forget = (): void => {
      this.#clients.delete(res);
    };
    req.once('close', forget);
    res.once('close', forget);
    res.once('error', forget);
  }

  broadcast(e: SseEvent): void {
    if (this.#clients.size > 0) this.#write(formatEvent(e));
  }

  #write(chunk: string): void {
    for (const res of this.#clients) {
      if (res.writableEnded || res.destroyed) this.#clients.delete(res);
      // A reader this far behind (a stopped tab) is cut off; on reconnect it gets the current state again.
      else if (res.writableLength > MAX_BUFFERED) res.destroy();
      else res.write(chunk);
    }
  }

  /** Ends every stream (the browser reconnects to whatever serves the URL next). */
  close(): void {
    clearInterval(this.#heartbeat);
    for (const res of this.#clients) res.end();
    this.#clients.clear();
  }
}
