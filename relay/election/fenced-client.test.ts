// Unit tests of the write fence: writes refused while not leading, their timeout capped to the fence, reads passing, and drain.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Method, RequestOptions } from '../kube/client.ts';
import { FencedClient } from './fenced-client.ts';

/** A client whose writes stay in flight until the test answers them. */
function slowClient() {
  const sent: { method: Method; path: string; timeoutMs: number | undefined }[] = [];
  const pending: (() => void)[] = [];
  return {
    sent,
    answerAll: () => {
      for (const answer of pending.splice(0)) answer();
    },
    client: {
      defaultTimeoutMs: 30_000,
      request: (method: Method, path: string, options: RequestOptions = {}) => {
        sent.push({ method, path, timeoutMs: options.timeoutMs });
        if (method === 'GET') return Promise.resolve({});
        return new Promise<unknown>((resolve) => {
          pending.push(() => {
            resolve({});
          });
        });
      },
    },
  };
}

test('fenced client should refuse writes the fence refuses, and let reads through', async () => {
  const s = slowClient();
  const fenced = new FencedClient(s.client, {
    permit: (method, path) => {
      throw new Error(`${method} ${path} refused`);
    },
  });
  await assert.rejects(fenced.request('PATCH', '/x', { body: {} }), /PATCH \/x refused/);
  assert.deepEqual(await fenced.request('GET', '/x'), {});
  assert.deepEqual(
    s.sent.map((r) => r.method),
    ['GET'],
    'the refused write never reached the client',
  );
});

test('fenced client should cap a write’s timeout to what the fence has left', async () => {
  const s = slowClient();
  let allowMs = 5000;
  const fenced = new FencedClient(s.client, { permit: () => allowMs });
  const writes = [
    fenced.request('POST', '/x', { body: {} }),
    fenced.request('PUT', '/x', { timeoutMs: 2000 }),
  ];
  allowMs = 100;
  writes.push(fenced.request('DELETE', '/x'));
  s.answerAll();
  await Promise.all(writes);
  assert.deepEqual(
    s.sent.map((r) => r.timeoutMs),
    [5000, 2000, 100],
  );
});

test('fenced client should say when the writes in flight are answered', async () => {
  const s = slowClient();
  const fenced = new FencedClient(s.client, { permit: () => 5000 });
  await fenced.writesDrained();
  const write = fenced.request('POST', '/x', { body: {} });
  let drained = false;
  const waiting = fenced.writesDrained().then(() => (drained = true));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(drained, false, 'a write is in flight');
  s.answerAll();
  await write;
  await waiting;
  assert.equal(drained, true);
});
