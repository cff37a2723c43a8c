// Unit tests of the dispatcher's HTTP handling and error mapping. A small node:http server stands in
// for the worker here, to script each status; the e2e tests call the real worker in workerd.
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { HEADERS } from '../../src/protocol/routes.ts';
import type { ReconcileRequest } from '../../src/protocol/schemas.ts';
import { verify } from '../../src/signing.ts';
import { Dispatcher, newTraceparent } from './dispatcher.ts';
import { DispatchError } from './errors.ts';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
let handler: Handler = (_req, _body, res) => res.end();
let endpoint = '';
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    handler(req, body, res);
  });
});

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

const request: ReconcileRequest = {
  primary: { apiVersion: 'x/v1', kind: 'Website', metadata: { name: 'a', namespace: 'ns' } },
  owned: [],
  related: [],
  trigger: { type: 'primary' },
  finalizing: false,
};
const okResponse = {
  desired: [],
  status: { ready: true },
  related: [],
  requeueAfterMs: null,
  finalized: false,
  events: [],
};
const target = () => ({ reconciler: 'website', endpoint, signingKey: 's3cret', timeoutMs: 500 });
const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

async function failure(): Promise<DispatchError> {
  try {
    await new Dispatcher().reconcile(target(), 'ns/a', request, newTraceparent());
  } catch (error) {
    assert.ok(error instanceof DispatchError);
    return error;
  }
  assert.fail('expected a DispatchError');
}

/** Verifies a request the dispatcher sent, as the worker does. */
function verifyAsWorker(req: IncomingMessage, body: string, secrets: Record<string, string>) {
  const header = (name: string) => req.headers[name] as string | undefined;
  return verify({
    headers: {
      keyId: header(HEADERS.keyId),
      timestamp: header(HEADERS.timestamp),
      nonce: header(HEADERS.nonce),
      signature: header(HEADERS.signature),
    },
    secretOf: (keyId) => secrets[keyId],
    method: req.method ?? '',
    path: new URL(req.url ?? '', 'http://worker').pathname,
    body,
  });
}

test('dispatcher should sign key id, method, path and body, send a traceparent and parse a valid answer', async () => {
  let seen: { path?: string; traceparent?: string; keyId?: string | false } = {};
  handler = (req, body, res) => {
    void verifyAsWorker(req, body, { default: 's3cret' }).then((v) => {
      seen = { path: req.url ?? '', traceparent: req.headers.traceparent as string, keyId: v.ok && v.keyId };
      json(res, 200, okResponse);
    });
  };
  const tp = newTraceparent();
  const response = await new Dispatcher().reconcile(target(), 'ns/a', request, tp);
  assert.deepEqual(response.status, { ready: true });
  assert.deepEqual(seen, { path: '/v1/reconcilers/website/reconcile', traceparent: tp, keyId: 'default' });
  assert.match(tp, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
});

test("dispatcher should sign with the target's key id, and a fresh nonce per request", async () => {
  const seen: { keyId: string | false; nonce: string }[] = [];
  handler = (req, body, res) => {
    void verifyAsWorker(req, body, { 'east-2': 's3cret' }).then((v) => {
      seen.push({ keyId: v.ok && v.keyId, nonce: req.headers[HEADERS.nonce] as string });
      json(res, 200, okResponse);
    });
  };
  const dispatcher = new Dispatcher();
  for (let i = 0; i < 2; i++) {
    await dispatcher.reconcile({ ...target(), keyId: 'east-2' }, 'ns/a', request, newTraceparent());
  }
  assert.deepEqual(
    seen.map((s) => s.keyId),
    ['east-2', 'east-2'],
  );
  assert.notEqual(seen[0]?.nonce, seen[1]?.nonce, 'the same body twice is two different signed requests');
});

test('dispatcher should map 422 to ReconcilerFailed with the reconciler message and the key', async () => {
  handler = (_q, _b, res) => {
    json(res, 422, { error: { code: 'reconciler_error', message: 'spec.replicas is negative' } });
  };
  const e = await failure();
  assert.equal(e.name, 'ReconcilerFailed');
  assert.equal(e.key, 'ns/a');
  assert.match(e.message, /spec\.replicas is negative/);
});

test('dispatcher should map 429 to Throttled with Retry-After', async () => {
  handler = (_q, _b, res) => {
    json(res, 429, { error: { code: 'internal', message: 'slow down' } }, { 'retry-after': '7' });
  };
  const e = await failure();
  assert.equal(e.name, 'Throttled');
  assert.equal(e.retryAfterMs, 7000);
});

test('dispatcher should map a trap, an invalid answer and a malformed 200', async () => {
  handler = (_q, _b, res) => {
    json(res, 500, { error: { code: 'reconciler_trap', message: 'unreachable' } });
  };
  assert.equal((await failure()).name, 'ReconcilerTrapped');
  handler = (_q, _b, res) => {
    json(res, 502, { error: { code: 'invalid_answer', message: 'desired[0].kind' } });
  };
  assert.equal((await failure()).name, 'InvalidAnswer');
  handler = (_q, _b, res) => {
    json(res, 200, { desired: 'nope' });
  };
  const e = await failure();
  assert.equal(e.name, 'InvalidAnswer');
  assert.match(e.message, /desired/);
});

test('dispatcher should map 401 and 404 to RequestRejected, other 5xx to WorkerUnavailable', async () => {
  handler = (_q, _b, res) => {
    json(res, 401, { error: { code: 'unauthorized', message: 'signature does not match' } });
  };
  assert.equal((await failure()).name, 'RequestRejected');
  handler = (_q, _b, res) => {
    json(res, 404, { error: { code: 'not_found', message: 'no reconciler' } });
  };
  assert.equal((await failure()).name, 'RequestRejected');
  handler = (_q, _b, res) => {
    res.writeHead(503);
    res.end('overloaded');
  };
  assert.equal((await failure()).name, 'WorkerUnavailable');
});

test('dispatcher should time out a worker that does not answer', async () => {
  handler = () => undefined;
  const e = await failure();
  assert.equal(e.name, 'WorkerTimeout');
});

test('dispatcher should report WorkerUnavailable when nothing listens', async () => {
  const spare = createServer();
  await new Promise<void>((resolve) => spare.listen(0, '127.0.0.1', resolve));
  const port = (spare.address() as AddressInfo).port;
  await new Promise((resolve) => spare.close(resolve));
  const e = await new Dispatcher()
    .reconcile({ ...target(), endpoint: `http://127.0.0.1:${port}` }, 'ns/a', request, newTraceparent())
    .then(
      () => undefined,
      (error: unknown) => error,
    );
  assert.ok(e instanceof DispatchError);
  assert.equal(e.name, 'WorkerUnavailable');
  assert.match(e.message, /ECONNREFUSED|refused/);
});

test('dispatcher should stop reading an answer over maxAnswerBytes, declared or streamed, as AnswerTooLarge', async () => {
  const big = JSON.stringify({ ...okResponse, status: { filler: 'x'.repeat(2 * 1024 * 1024) } });
  handler = (_req, _body, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(big);
  };
  const declared = await failure();
  assert.equal(declared.name, 'AnswerTooLarge');
  assert.match(declared.message, /maxAnswerBytes \(1048576 bytes/);
  // Chunked, no Content-Length: cut off while streaming.
  handler = (_req, _body, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    for (let i = 0; i < big.length; i += 64 * 1024) res.write(big.slice(i, i + 64 * 1024));
    res.end();
  };
  const streamed = await failure();
  assert.equal(streamed.name, 'AnswerTooLarge');
  assert.match(streamed.message, /read stopped at \d+/);
});
