// Unit tests of the dispatcher's HTTP handling, error mapping and version check. A small node:http server
// stands in for the worker here, to script each status and header; the e2e tests call the real worker in workerd.
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { test } from 'node:test';
import { closedUrl, type ScriptedHandler, scriptedHttpForFile } from '../testing/scripted-http.ts';
import { HEADERS } from '../../src/protocol/routes.ts';
import type { ReconcileRequest } from '../../src/protocol/schemas.ts';
import { PROTOCOL_VERSION } from '../../src/protocol/version.ts';
import { verify } from '../../src/signing.ts';
import { type AnswerVersions, Dispatcher } from './dispatcher.ts';
import { newTraceparent } from './traceparent.ts';
import { answer } from '../testing/answer.ts';
import { DispatchError } from './errors.ts';

let handler: ScriptedHandler = (_req, _body, res) => res.end();
const worker = scriptedHttpForFile((req, body, res) => {
  handler(req, body, res);
});

const request: ReconcileRequest = {
  primary: { apiVersion: 'x/v1', kind: 'Website', metadata: { name: 'a', namespace: 'ns' } },
  owned: [],
  related: [],
  trigger: { type: 'primary' },
  finalizing: false,
};
const okResponse = answer({ status: { ready: true } });
const target = () => ({ reconciler: 'website', endpoint: worker.url, signingKey: 's3cret', timeoutMs: 500 });
/** The version header a worker of this build answers with. */
const OURS = { [HEADERS.protocol]: String(PROTOCOL_VERSION) };
/** A JSON answer as a worker of this build gives it (its protocol header unless `headers` replaces it). */
const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...OURS, ...headers });
  res.end(JSON.stringify(body));
};

async function failure(dispatcher = new Dispatcher()): Promise<DispatchError> {
  try {
    await dispatcher.reconcile(target(), 'ns/a', request, newTraceparent());
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
  const closed = await closedUrl();
  const e = await new Dispatcher()
    .reconcile({ ...target(), endpoint: closed }, 'ns/a', request, newTraceparent())
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
    res.writeHead(200, { 'content-type': 'application/json', ...OURS });
    res.end(big);
  };
  const declared = await failure();
  assert.equal(declared.name, 'AnswerTooLarge');
  assert.match(declared.message, /maxAnswerBytes \(1048576 bytes/);
  // Chunked, no Content-Length: cut off while streaming.
  handler = (_req, _body, res) => {
    res.writeHead(200, { 'content-type': 'application/json', ...OURS });
    for (let i = 0; i < big.length; i += 64 * 1024) res.write(big.slice(i, i + 64 * 1024));
    res.end();
  };
  const streamed = await failure();
  assert.equal(streamed.name, 'AnswerTooLarge');
  assert.match(streamed.message, /read stopped at \d+/);
});

test('dispatcher should state its protocol version on every request', async () => {
  let stated: string | undefined;
  handler = (req, _body, res) => {
    stated = req.headers[HEADERS.protocol] as string | undefined;
    json(res, 200, okResponse);
  };
  await new Dispatcher().reconcile(target(), 'ns/a', request, newTraceparent());
  assert.equal(stated, String(PROTOCOL_VERSION));
});

test('dispatcher should refuse an answer of another protocol version unread, as IncompatibleWorker naming both', async () => {
  const newer = PROTOCOL_VERSION + 1;
  // A body that would be a valid answer in our protocol: it must still not be read.
  handler = (_q, _b, res) => {
    json(res, 200, okResponse, { [HEADERS.protocol]: String(newer) });
  };
  const e = await failure();
  assert.equal(e.name, 'IncompatibleWorker');
  assert.equal(e.key, 'ns/a');
  assert.match(
    e.detail,
    new RegExp(
      `speaks zeroloop protocol ${newer}, this relay speaks protocol ${PROTOCOL_VERSION}: upgrade the relay`,
    ),
  );
  // An older worker: upgrade the worker. Its 422 is not read as the reconciler's refusal either.
  handler = (_q, _b, res) => {
    json(res, 422, { error: { code: 'reconciler_error', message: 'x' } }, { [HEADERS.protocol]: '1' });
  };
  const older = await failure(new Dispatcher({ protocolVersion: 2 }));
  assert.equal(older.name, 'IncompatibleWorker');
  assert.match(older.detail, /speaks zeroloop protocol 1, this relay speaks protocol 2: upgrade the worker/);
  handler = (_q, _b, res) => {
    json(res, 200, okResponse, { [HEADERS.protocol]: 'v1' });
  };
  const garbage = await failure();
  assert.equal(garbage.name, 'IncompatibleWorker');
  assert.match(garbage.detail, /states protocol "v1"/);
});

test('dispatcher should refuse a zeroloop answer that states no protocol version, and map a gateway page as before', async () => {
  handler = (_q, _b, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(okResponse));
  };
  const unstated = await failure();
  assert.equal(unstated.name, 'IncompatibleWorker');
  assert.match(
    unstated.detail,
    new RegExp(
      `states no zeroloop protocol version .*this relay speaks protocol ${PROTOCOL_VERSION}: upgrade the worker`,
    ),
  );
  // A protocol error body without the header: a worker from before versions.
  handler = (_q, _b, res) => {
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'unauthorized', message: 'forged' } }));
  };
  assert.equal((await failure()).name, 'IncompatibleWorker');
  // Not the worker speaking: a proxy's 502 page stays WorkerUnavailable (the outage gate probes it).
  handler = (_q, _b, res) => {
    res.writeHead(503, { 'content-type': 'text/html' });
    res.end('<html>upstream unavailable</html>');
  };
  assert.equal((await failure()).name, 'WorkerUnavailable');
});

test("dispatcher should map the worker's incompatible_protocol and incompatible_component refusals to IncompatibleWorker", async () => {
  handler = (_q, _b, res) => {
    json(res, 400, {
      error: {
        code: 'incompatible_protocol',
        message: 'the relay speaks zeroloop protocol 1, this worker speaks protocol 1',
      },
    });
  };
  assert.equal((await failure()).name, 'IncompatibleWorker');
  handler = (_q, _b, res) => {
    json(res, 500, {
      error: {
        code: 'incompatible_component',
        message: 'reconciler "website" was built against zeroloop:reconciler@0.0.9',
      },
    });
  };
  const e = await failure();
  assert.equal(e.name, 'IncompatibleWorker');
  assert.match(
    e.detail,
    /refused the request: reconciler "website" was built against zeroloop:reconciler@0\.0\.9/,
  );
});

test('dispatcher should tell its answer observers whether each answer matched, and nothing when no answer came', async () => {
  const seen: AnswerVersions[] = [];
  const dispatcher = new Dispatcher();
  dispatcher.onAnswer.add((a) => seen.push(a));
  dispatcher.onAnswer.add(() => {
    throw new Error('a failing observer changes nothing');
  });
  handler = (_q, _b, res) => {
    json(res, 200, okResponse, { [HEADERS.protocol]: String(PROTOCOL_VERSION + 1) });
  };
  assert.equal((await failure(dispatcher)).name, 'IncompatibleWorker');
  handler = (_q, _b, res) => {
    json(res, 422, { error: { code: 'reconciler_error', message: 'bad spec' } });
  };
  assert.equal((await failure(dispatcher)).name, 'ReconcilerFailed');
  handler = (_q, _b, res) => {
    json(res, 200, okResponse);
  };
  await dispatcher.reconcile(target(), 'ns/a', request, newTraceparent());
  handler = () => undefined;
  assert.equal((await failure(dispatcher)).name, 'WorkerTimeout');
  assert.deepEqual(
    seen.map((a) => [a.endpoint, a.reconciler, a.incompatible?.name]),
    [
      [worker.url, 'website', 'IncompatibleWorker'],
      [worker.url, 'website', undefined],
      [worker.url, 'website', undefined],
    ],
  );
});
