// Unit tests of the hook connection on fake time, with a fake socket in place of the worker's WebSocket (the e2e test runs the real one against workerd).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { HEADERS } from '../../src/protocol/routes.ts';
import { verify } from '../../src/signing.ts';
import type { DeliveryMessage, HooksMessage } from '../../src/protocol/hooks.ts';
import { createLogger } from '../observe/log.ts';
import { FakeClock, flush } from '../testing/fake-clock.ts';
import {
  HookConnection,
  type HookSocket,
  type OpenSocket,
  PING_INTERVAL_MS,
  reconnectDelay,
  type SocketHandlers,
} from './connection.ts';

const log = createLogger({ write: () => undefined });
const target = { endpoint: 'http://127.0.0.1:8787/base', signingKey: 'k3y', keyId: 'k1' };
const HOOKS: HooksMessage = { type: 'hooks', hooks: [] };
const DELIVERY: DeliveryMessage = {
  type: 'delivery',
  id: 'd-1',
  hook: `/hooks/c1/${'a'.repeat(64)}`,
  reconciler: 'website',
  namespace: 'zeroloop-system',
  name: 'git-push',
  source: 'github',
  event: 'push',
  acceptedAt: 1_700_000_000_000,
};

class FakeSocket implements HookSocket {
  readonly sent: string[] = [];
  closed: { code: number | undefined; reason: string | undefined } | undefined;
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly handlers: SocketHandlers;
  constructor(url: URL, headers: Record<string, string>, handlers: SocketHandlers) {
    this.url = url;
    this.headers = headers;
    this.handlers = handlers;
  }
  send(text: string): void {
    this.sent.push(text);
  }
  close(code?: number, reason?: string): void {
    this.closed = { code, reason };
  }
}

/** Lets the connect (the signature is WebCrypto's, off the main thread) reach the socket: `count` sockets opened. */
async function socketsOpened(sockets: readonly FakeSocket[], count: number): Promise<void> {
  for (let i = 0; i < 400 && sockets.length < count; i++) {
    await flush();
    await sleep(5);
  }
  assert.equal(sockets.length, count);
}

function setup(options: { askCluster?: () => Promise<string> } = {}) {
  const clock = new FakeClock();
  const sockets: FakeSocket[] = [];
  const deliveries: DeliveryMessage[] = [];
  const clusters: string[] = [];
  const openSocket: OpenSocket = (url, headers, handlers) => {
    const socket = new FakeSocket(url, headers, handlers);
    sockets.push(socket);
    return socket;
  };
  const connection = new HookConnection({
    target,
    clock,
    log,
    askCluster: options.askCluster ?? (() => Promise.resolve('c1')),
    onCluster: (cluster) => clusters.push(cluster),
    onDelivery: (delivery) => deliveries.push(delivery),
    openSocket,
    random: () => 0.5,
  });
  return { clock, sockets, deliveries, clusters, connection };
}

test('hook connection should sign the upgrade like a relay request and send the hook set first', async () => {
  const { sockets, clusters, connection } = setup();
  connection.sendHooks(HOOKS);
  connection.start();
  await socketsOpened(sockets, 1);
  assert.deepEqual(clusters, ['c1']);
  const [socket] = sockets;
  assert.ok(socket);
  assert.equal(socket.url.href, 'http://127.0.0.1:8787/base/v1/hooks/connect');
  assert.equal(socket.headers[HEADERS.protocol], '2');
  const verified = await verify({
    method: 'GET',
    path: socket.url.pathname,
    body: '',
    headers: {
      keyId: socket.headers[HEADERS.keyId],
      timestamp: socket.headers[HEADERS.timestamp],
      nonce: socket.headers[HEADERS.nonce],
      signature: socket.headers[HEADERS.signature],
    },
    secretOf: (id) => (id === 'k1' ? 'k3y' : undefined),
    nowSeconds: Number(socket.headers[HEADERS.timestamp]),
  });
  assert.equal(verified.ok, true);
  assert.deepEqual(socket.sent, [], 'nothing before the socket opens');
  socket.handlers.open();
  assert.equal(connection.state, 'open');
  assert.deepEqual(socket.sent, [JSON.stringify(HOOKS)]);
});

test('hook connection should pass on deliveries parsed with zod and refuse other frames', async () => {
  const { sockets, deliveries, connection } = setup();
  connection.start();
  await socketsOpened(sockets, 1);
  const socket = sockets[0];
  assert.ok(socket);
  socket.handlers.open();
  socket.handlers.message('not json');
  socket.handlers.message(JSON.stringify({ type: 'delivery', id: 'x' }));
  socket.handlers.message(JSON.stringify({ ...DELIVERY, id: 'has spaces' }));
  socket.handlers.message(JSON.stringify({ type: 'error', message: 'bad frame' }));
  assert.deepEqual(deliveries, []);
  socket.handlers.message(JSON.stringify(DELIVERY));
  assert.deepEqual(deliveries, [DELIVERY]);
});

test('hook connection should ping every 30 s and reconnect when a ping goes unanswered', async () => {
  const { clock, sockets, connection } = setup();
  connection.sendHooks(HOOKS);
  connection.start();
  await socketsOpened(sockets, 1);
  const first = sockets[0];
  assert.ok(first);
  first.handlers.open();
  assert.equal(clock.pendingTimers, 1, 'open and idle: the ping is the only timer');
  await clock.advance(PING_INTERVAL_MS);
  assert.deepEqual(first.sent.slice(1), ['ping']);
  first.handlers.message('pong');
  await clock.advance(PING_INTERVAL_MS);
  assert.deepEqual(first.sent.slice(1), ['ping', 'ping']);
  // No pong this time: the next tick gives the socket up.
  await clock.advance(PING_INTERVAL_MS);
  assert.equal(first.closed?.code, 4000);
  assert.equal(connection.state, 'backoff');
  await clock.advance(reconnectDelay(0, () => 0.5));
  await socketsOpened(sockets, 2);
  const second = sockets[1];
  assert.ok(second, 'reconnected after the backoff');
  second.handlers.open();
  assert.deepEqual(second.sent, [JSON.stringify(HOOKS)], 'the hook set goes first on the new connection');
  // A close from the old socket after it was replaced changes nothing.
  first.handlers.closed(1006, '');
  assert.equal(connection.state, 'open');
});

test('hook connection should back off 0.5 s doubling to 30 s while it cannot connect', async () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6, 7, 20].map((n) => reconnectDelay(n, () => 0.5)),
    [500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000],
  );
  assert.equal(
    reconnectDelay(0, () => 0),
    400,
  );
  assert.equal(
    reconnectDelay(10, () => 0.999_999),
    36_000,
  );
  let asked = 0;
  const { clock, sockets, connection } = setup({
    askCluster: () => {
      asked++;
      return Promise.reject(new Error('worker down'));
    },
  });
  connection.start();
  await flush();
  assert.equal(asked, 1);
  await clock.advance(499);
  assert.equal(asked, 1);
  await clock.advance(1);
  assert.equal(asked, 2);
  await clock.advance(1000);
  assert.equal(asked, 3);
  assert.equal(sockets.length, 0);
  connection.stop();
  assert.equal(clock.pendingTimers, 0, 'stopped: no timer left');
  await clock.advance(60_000);
  assert.equal(asked, 3);
});

test('hook connection should reconnect after the worker closes it, and acknowledge only while open', async () => {
  const { clock, sockets, connection } = setup();
  connection.start();
  await socketsOpened(sockets, 1);
  const first = sockets[0];
  assert.ok(first);
  assert.equal(connection.ack(['d-1']), false, 'not open yet');
  first.handlers.open();
  assert.equal(connection.ack(['d-1', 'd-2']), true);
  assert.deepEqual(JSON.parse(first.sent.at(-1) ?? ''), { type: 'ack', ids: ['d-1', 'd-2'] });
  first.handlers.closed(1011, 'object restarted');
  assert.equal(connection.state, 'backoff');
  assert.equal(connection.ack(['d-3']), false);
  await clock.advance(500);
  await socketsOpened(sockets, 2);
  connection.stop();
  assert.equal(sockets[1]?.closed?.code, 1000);
  assert.equal(clock.pendingTimers, 0);
});

test('hook connection should give up a handshake that never completes', async () => {
  const { clock, sockets, connection } = setup();
  connection.start();
  await socketsOpened(sockets, 1);
  await clock.advance(15_000);
  assert.equal(sockets[0]?.closed?.code, 4000);
  await clock.advance(500);
  await socketsOpened(sockets, 2);
  connection.stop();
});
