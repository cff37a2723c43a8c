// The relay's HTTP endpoints: /metrics (Prometheus text), /healthz (process alive), /readyz (synced and apiserver reachable).
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Readiness with the reason it is missing (or, when ready, a detail such as who leads), which /readyz prints. */
export interface Readiness {
  ready: boolean;
  reason?: string | undefined;
}

export interface ObserveServerOptions {
  port: number;
  host?: string;
  /** The exposition text; a scrape that fails is answered 500 with the error. */
  metrics: () => string | Promise<string>;
  ready: () => boolean | Readiness;
}

export interface ObserveServer {
  url: string;
  close(): Promise<void>;
}

export async function startObserveServer(options: ObserveServerOptions): Promise<ObserveServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end('method not allowed\n');
    } else if (path === '/metrics') {
      Promise.resolve()
        .then(options.metrics)
        .then(
          (text) => {
            res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(text);
          },
          (error: unknown) => {
            res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${String(error)}\n`);
          },
        );
    } else if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const answer = options.ready();
      const { ready, reason } = typeof answer === 'boolean' ? { ready: answer, reason: undefined } : answer;
      res
        .writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' })
        .end(`${ready ? 'ready' : 'not ready'}${reason ? `: ${reason}` : ''}\n`);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
