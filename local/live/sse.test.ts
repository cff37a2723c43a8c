// Unit tests of the server-sent events hub over real HTTP on loopback.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { readSse } from '../../test/support/sse.ts';
import { formatEvent, SseHub } from './sse.ts';

async function serve(hub: SseHub): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    hub.open(req, res, [{ event: 'hello', data: { first: true } }]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${String(port)}/events`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

test('formatEvent should write id, event and one data line of JSON, even for text with newlines', () => {
  assert.equal(
    formatEvent({ event: 'reconcile', data: { message: 'a\nb' }, id: 7 }),
    'id: 7\nevent: reconcile\ndata: {"message":"a\\nb"}\n\n',
  );
  assert.equal(formatEvent({ event: 'x', data: [1] }), 'event: x\ndata: [1]\n\n');
});

test('a client should get the event stream headers, the retry hint, its first events, then every broadcast', async (t) => {
  const hub = new SseHub({ retryMs: 1234 });
  const server = await serve(hub);
  t.after(async () => {
    hub.close();
    await server.close();
  });
  const a = await readSse(server.url);
  const b = await readSse(server.url);
  assert.equal(a.response.statusCode, 200);
  assert.equal(a.response.headers['content-type'], 'text/event-stream; charset=utf-8');
  assert.equal(a.response.headers['cache-control'], 'no-store');
  await a.next((e) => e.event === 'hello');
  await b.next((e) => e.event === 'hello');
  assert.equal(a.events[0]?.event, 'retry');
  assert.deepEqual(JSON.parse((await a.next((e) => e.event === 'hello')).data), { first: true });
  assert.equal(hub.size, 2);
  hub.broadcast({ event: 'reconcile', data: { key: 'ns/a' }, id: 1 });
  for (const reader of [a, b]) {
    const e = await reader.next((x) => x.event === 'reconcile');
    assert.deepEqual(JSON.parse(e.data), { key: 'ns/a' });
    assert.equal(e.id, '1');
  }
  a.close();
  b.close();
});

test('a client that goes away should be forgotten, and the others keep getting events', async (t) => {
  const hub = new SseHub();
  const server = await serve(hub);
  t.after(async () => {
    hub.close();
    await server.close();
  });
  const a = await readSse(server.url);
  const b = await readSse(server.url);
  await a.next((e) => e.event === 'hello');
  await b.next((e) => e.event === 'hello');
  a.close();
  for (let i = 0; hub.size !== 1 && i < 100; i++) await sleep(10);
  assert.equal(hub.size, 1);
  hub.broadcast({ event: 'after', data: 1 });
  await b.next((e) => e.event === 'after');
  b.close();
});

test('heartbeat comments should keep an idle stream busy', async (t) => {
  const hub = new SseHub({ heartbeatMs: 20 });
  const server = await serve(hub);
  t.after(async () => {
    hub.close();
    await server.close();
  });
  const a = await readSse(server.url);
  await a.next((e) => e.event === 'comment', 2_000);
  a.close();
});

test('close should end every stream', async (t) => {
  const hub = new SseHub();
  const server = await serve(hub);
  t.after(() => server.close());
  const a = await readSse(server.url);
  await a.next((e) => e.event === 'hello');
  hub.close();
  await a.ended;
  assert.equal(hub.size, 0);
  assert.equal(a.response.complete, true, 'the response ended normally, not aborted');
});
