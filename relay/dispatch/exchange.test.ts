// Unit tests of one HTTP exchange: the whole answer, one timer over the whole exchange, refusal before the body, the body bound. A small node:http server stands in for the worker.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closedUrl, type ScriptedHandler, scriptedHttpForFile } from '../testing/scripted-http.ts';
import { BodyTooLarge, exchange, ExchangeTimeout, headerValue, pathOf } from './exchange.ts';

let handler: ScriptedHandler = (_req, _body, res) => res.end();
const worker = scriptedHttpForFile((req, body, res) => {
  handler(req, body, res);
});

const post = (body = '{}', extra: { timeoutMs?: number; maxBytes?: number } = {}) =>
  exchange(`${worker.url}/v1/reconcilers/website/reconcile`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-sent': 'yes' },
    body,
    timeoutMs: extra.timeoutMs ?? 1000,
    maxBytes: extra.maxBytes ?? 1024,
  });

test('exchange should send method, path, headers and body, and resolve with status, lower-case headers and text', async () => {
  let seen: Record<string, string | undefined> = {};
  handler = (req, body, res) => {
    seen = { method: req.method, url: req.url, header: req.headers['x-sent'] as string, body };
    res.writeHead(201, { 'X-Answer': 'Yes', 'content-type': 'application/json' });
    res.end('{"ok":"é"}');
  };
  const answer = await post('{"ask":1}');
  assert.deepEqual(seen, {
    method: 'POST',
    url: '/v1/reconcilers/website/reconcile',
    header: 'yes',
    body: '{"ask":1}',
  });
  assert.equal(answer.status, 201);
  assert.equal(headerValue(answer.headers, 'x-answer'), 'Yes');
  assert.equal(answer.text, '{"ok":"é"}');
});

test('exchange should time out an answer whose body stalls, and leave the next exchange to the same worker working', async () => {
  handler = (_req, _body, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"partial":');
  };
  const started = performance.now();
  await assert.rejects(post('{}', { timeoutMs: 300 }), (error: unknown) => {
    assert.ok(error instanceof ExchangeTimeout);
    assert.equal(error.timeoutMs, 300);
    return true;
  });
  assert.ok(performance.now() - started < 1000, 'the timer bounds the whole exchange, body included');
  handler = (_req, _body, res) => res.end('fine');
  assert.equal((await post()).text, 'fine');
});

test('exchange should end at a refusal of the status and headers without waiting for the body', async () => {
  handler = (_req, _body, res) => {
    res.writeHead(200, { 'x-zeroloop-protocol': '99' });
    res.write('a body that never ends');
  };
  const refusal = new Error('another protocol');
  const answer = exchange(`${worker.url}/v1/reconcilers`, {
    method: 'GET',
    headers: {},
    timeoutMs: 5000,
    maxBytes: 1024,
    refuse: (status, headers) =>
      status === 200 && headers['x-zeroloop-protocol'] === '99' ? refusal : undefined,
  });
  const started = performance.now();
  await assert.rejects(answer, (error: unknown) => error === refusal);
  assert.ok(performance.now() - started < 2000, 'refused at the headers, not at the timeout');
});

test('exchange should stop at a body over maxBytes, declared or streamed', async () => {
  const big = 'x'.repeat(64 * 1024);
  handler = (_req, _body, res) => res.end(big);
  await assert.rejects(post(), (error: unknown) => {
    assert.ok(error instanceof BodyTooLarge);
    assert.deepEqual([error.maxBytes, error.seenBytes], [1024, big.length]);
    return true;
  });
  handler = (_req, _body, res) => {
    res.writeHead(200);
    for (let i = 0; i < big.length; i += 512) res.write(big.slice(i, i + 512));
    res.end();
  };
  await assert.rejects(post(), (error: unknown) => {
    assert.ok(error instanceof BodyTooLarge);
    assert.ok(error.seenBytes > 1024 && error.seenBytes < big.length, `stopped at ${error.seenBytes}`);
    return true;
  });
});

test('exchange should reject with the connection error when nothing listens', async () => {
  const closed = await closedUrl();
  await assert.rejects(
    exchange(`${closed}/healthz`, {
      method: 'GET',
      headers: {},
      timeoutMs: 1000,
      maxBytes: 10,
    }),
    /ECONNREFUSED/,
  );
});

test('pathOf should give the path and query as sent', () => {
  assert.equal(
    pathOf('http://worker:8787/v1/reconcilers/web%20site/reconcile'),
    '/v1/reconcilers/web%20site/reconcile',
  );
  assert.equal(pathOf('https://w.example/base/v1/reconcilers?x=1'), '/base/v1/reconcilers?x=1');
});
