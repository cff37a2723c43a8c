// A node:http server on loopback that stands in for a worker in unit tests: every request, its body read whole, goes to the test's handler.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before } from 'node:test';

export type ScriptedHandler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

export interface ScriptedHttp {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  close(): void;
}

/**
 * A server for the calling test file, started before its tests and closed after them; `handler`
 * answers every request (a file passes one that calls what each test set). `url` is valid from the
 * first test on.
 */
export function scriptedHttpForFile(handler: ScriptedHandler): { readonly url: string } {
  let started: ScriptedHttp | undefined;
  before(async () => {
    started = await scriptedHttp(handler);
  });
  after(() => {
    started?.close();
  });
  return {
    get url(): string {
      if (!started) throw new Error("scriptedHttpForFile: url read before the file's tests started");
      return started.url;
    },
  };
}

/** Starts the server; `handler` answers every request. */
export async function scriptedHttp(handler: ScriptedHandler): Promise<ScriptedHttp> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      handler(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** A loopback port that was just listened on and closed: free until something else takes it. */
export async function freeLoopbackPort(): Promise<number> {
  const spare = createServer();
  await new Promise<void>((resolve) => spare.listen(0, '127.0.0.1', resolve));
  const port = (spare.address() as AddressInfo).port;
  await new Promise((resolve) => spare.close(resolve));
  return port;
}

/** `http://127.0.0.1:<port>` of such a port: nothing answers there. */
export async function closedUrl(): Promise<string> {
  return `http://127.0.0.1:${String(await freeLoopbackPort())}`;
}
