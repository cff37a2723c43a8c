// The live page's HTTP server: the static page, the event stream, and one reconcile's detail, read-only on loopback.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReconcileRecord } from '../../relay/controller/controller.ts';
import { childrenDiff } from './diff.ts';
import type { Json } from './diff.ts';
import { SseHub } from './sse.ts';
import type { SseEvent } from './sse.ts';
import { ReconcileStore } from './store.ts';
import type { ReconcileDetail, StoreLimits } from './store.ts';
import { errorMessage } from '../../src/error-message.ts';

/** The parts of a running controller the page shows (the relay's `Controller` has them). */
export interface LiveController {
  config: { name: string; spec: { reconciler: string; endpoint: string; primary: { kind: string } } };
  queue: { length: number };
  inFlight: number;
  primaryKeys(): string[];
}

/** Where the page's data comes from: the relay's `Manager` (`relay.manager`). */
export interface LiveSource {
  onReconcile: Set<(r: ReconcileRecord) => void>;
  controllers: ReadonlyMap<string, LiveController>;
}

export interface LivePageOptions {
  source: LiveSource;
  /** Default 127.0.0.1; the page shows requests, so keep it on loopback. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  limits?: Partial<StoreLimits>;
  /** How often the Reconcilers' queue depths are looked at (pushed only when they changed); default 1 000. */
  stateEveryMs?: number;
}

export interface LivePage {
  /** `http://127.0.0.1:<port>/`. */
  url: string;
  store: ReconcileStore;
  close(): Promise<void>;
}

/** One Reconciler as the page's table shows it. */
export interface ReconcilerRow {
  name: string;
  kind: string;
  reconciler: string;
  endpoint: string;
  primaries: number;
  /** The first 100, sorted. */
  primaryKeys: string[];
  queueDepth: number;
  inFlight: number;
  lastError?: { key: string; time: string; message: string };
}

const PAGE_DIR = new URL('./page/', import.meta.url);
const ASSETS = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/live.js': ['live.js', 'text/javascript; charset=utf-8'],
  '/live.css': ['live.css', 'text/css; charset=utf-8'],
} as const;

/** The page's files, read once: what the browser downloads. */
export async function pageAssets(): Promise<Map<string, { body: Buffer; type: string }>> {
  const out = new Map<string, { body: Buffer; type: string }>();
  for (const [path, [file, type]] of Object.entries(ASSETS))
    out.set(path, { body: await readFile(new URL(file, PAGE_DIR)), type });
  return out;
}

function rows(source: LiveSource, store: ReconcileStore): ReconcilerRow[] {
  return [...source.controllers.values()]
    .map((c) => {
      const keys = c.primaryKeys().sort();
      const lastError = store.lastError.get(c.config.name);
      return {
        name: c.config.name,
        kind: c.config.spec.primary.kind,
        reconciler: c.config.spec.reconciler,
        endpoint: c.config.spec.endpoint,
        primaries: keys.length,
        primaryKeys: keys.slice(0, 100),
        queueDepth: c.queue.length,
        inFlight: c.inFlight,
        ...(lastError && { lastError }),
      };
    })
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** A detail with each call's children diff (desired against the live objects its request carried). */
function withDiffs(json: string): string {
  const detail = JSON.parse(json) as ReconcileDetail;
  const diffs = detail.calls.map((call) => {
    const request = call.request as { primary?: { metadata?: { namespace?: string } }; owned?: Json[] };
    const answer = call.answer as { desired?: Json[] } | undefined;
    if (!answer?.desired) return undefined;
    return childrenDiff(answer.desired, request.owned ?? [], request.primary?.metadata?.namespace ?? '');
  });
  return JSON.stringify({ ...detail, diffs });
}

/** Names this server answers to: a page on loopback must not be readable through DNS rebinding. */
function loopbackHost(host: string | undefined, port: number): boolean {
  return [`127.0.0.1:${String(port)}`, `localhost:${String(port)}`, `[::1]:${String(port)}`].includes(
    host ?? '',
  );
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

/**
 * Serves the live page of reconciles for `source` (the relay's Manager) until `close`: `npm start`
 * and `zeroloop dev` call this. The page is read-only; it gets its data from the reconcile
 * observers, pushed as server-sent events.
 */
export async function startLivePage(options: LivePageOptions): Promise<LivePage> {
  const { source } = options;
  const assets = await pageAssets();
  const store = new ReconcileStore(options.limits);
  const hub = new SseHub();
  let lastRows = '';
  const rowsEvent = (): SseEvent => ({ event: 'reconcilers', data: rows(source, store) });
  const pushRows = (): void => {
    const event = rowsEvent();
    const text = JSON.stringify(event.data);
    if (text === lastRows) return;
    lastRows = text;
    hub.broadcast(event);
  };
  let rowsPending = false;
  const observer = (record: ReconcileRecord): void => {
    const summary = store.add(record);
    hub.broadcast({ event: 'reconcile', data: summary, id: summary.id });
    if (rowsPending) return;
    rowsPending = true;
    setImmediate(() => {
      rowsPending = false;
      pushRows();
    });
  };
  source.onReconcile.add(observer);
  const timer = setInterval(pushRows, options.stateEveryMs ?? 1_000);
  timer.unref();

  let port = 0;
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (!loopbackHost(req.headers.host, port)) {
      send(res, 403, 'text/plain; charset=utf-8', 'the live page answers only to 127.0.0.1 or localhost\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      send(res, 405, 'text/plain; charset=utf-8', 'the live page is read-only\n');
      return;
    }
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const asset = assets.get(path);
    if (asset) {
      send(res, 200, asset.type, asset.body);
      return;
    }
    if (path === '/events') {
      hub.open(req, res, [
        { event: 'reconcilers', data: rows(source, store) },
        { event: 'backlog', data: store.summaries() },
      ]);
      return;
    }
    if (path === '/api/reconcilers') {
      send(res, 200, 'application/json', JSON.stringify(rows(source, store)));
      return;
    }
    const detail = /^\/api\/reconciles\/(\d+)$/.exec(path);
    if (detail) {
      const json = store.detail(Number(detail[1]));
      if (json === undefined)
        send(
          res,
          404,
          'application/json',
          JSON.stringify({ error: 'no longer kept: the page keeps the last reconciles only' }),
        );
      else send(res, 200, 'application/json', withDiffs(json));
      return;
    }
    send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  };
  const server: Server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (error) {
      send(res, 500, 'text/plain; charset=utf-8', `${errorMessage(error)}\n`);
    }
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${String(port)}/`,
    store,
    close: async () => {
      source.onReconcile.delete(observer);
      clearInterval(timer);
      hub.close();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      });
    },
  };
}
