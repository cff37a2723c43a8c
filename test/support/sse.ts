// Reads a server-sent event stream over real HTTP, for tests: each event's name, data and id, as they arrive.
import { get } from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';

export interface ReadEvent {
  event: string;
  data: string;
  id?: string;
}

export interface SseReader {
  response: IncomingMessage;
  /** Every event (and `:` comment, as event `comment`) seen so far. */
  events: ReadEvent[];
  /** Resolves with the first event (seen or to come) that `match` accepts. */
  next(match: (e: ReadEvent) => boolean, timeoutMs?: number): Promise<ReadEvent>;
  /** Resolves once the server ended the stream. */
  ended: Promise<void>;
  close(): void;
}

/** GETs `url` and parses its `text/event-stream` body. */
export function readSse(url: string, headers: OutgoingHttpHeaders = {}): Promise<SseReader> {
  return new Promise((resolve, reject) => {
    const req = get(url, { headers: { accept: 'text/event-stream', ...headers } }, (response) => {
      const events: ReadEvent[] = [];
      const waiters = new Set<() => void>();
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const e: ReadEvent = { event: 'message', data: '' };
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) e.event = 'comment';
            else if (line.startsWith('event: ')) e.event = line.slice(7);
            else if (line.startsWith('data: ')) e.data += line.slice(6);
            else if (line.startsWith('id: ')) e.id = line.slice(4);
            else if (line.startsWith('retry: ')) e.event = 'retry';
          }
          events.push(e);
        }
        for (const w of waiters) w();
      });
      const ended = new Promise<void>((done) => {
        response.once('end', done);
        response.once('close', done);
      });
      resolve({
        response,
        events,
        ended,
        next: (match, timeoutMs = 5_000) =>
          new Promise((found, fail) => {
            const check = (): void => {
              const e = events.find(match);
              if (e === undefined) return;
              waiters.delete(check);
              clearTimeout(timer);
              found(e);
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(
                new Error(`no matching event within ${String(timeoutMs)} ms; got ${JSON.stringify(events)}`),
              );
            }, timeoutMs);
            waiters.add(check);
            check();
          }),
        close: () => {
          req.destroy();
        },
      });
    });
    req.once('error', reject);
  });
}
