// Unit tests of the KubeClient against a loopback HTTP server: errors, connection renewal, the body limit.
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { Dispatcher } from 'undici';
import { agentFor } from './connection.ts';
import { KubeApiError, KubeClient, MAX_REQUEST_BODY_BYTES, RequestBodyTooLarge } from './client.ts';
import type { RestConfig } from './rest-config.ts';

async function withServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  fn: (config: RestConfig) => Promise<void>,
): Promise<void> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    await fn({
      server: `http://127.0.0.1:${port}`,
      tls: { insecureSkipVerify: false },
      auth: { type: 'token', token: 't0k' },
    });
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** A client whose Agents are counted, and whose hooks are recorded. */
function client(config: RestConfig) {
  const agents: Dispatcher[] = [];
  const calls: string[] = [];
  const renewals: string[] = [];
  const kube = new KubeClient(config, {
    timeoutMs: 2000,
    agentFor: (c) => {
      const agent = agentFor(c);
      agents.push(agent);
      return agent;
    },
    hooks: {
      onCall: (verb, status) => calls.push(`${verb} ${status}`),
      onRenew: (reason) => renewals.push(reason),
    },
  });
  return { kube, agents, calls, renewals };
}

test('kube client should send the bearer token and parse JSON answers', () =>
  withServer(
    (req, res) => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ auth: req.headers.authorization }));
    },
    async (config) => {
      const { kube, calls } = client(config);
      assert.deepEqual(await kube.request('GET', '/api/v1'), { auth: 'Bearer t0k' });
      assert.deepEqual(calls, ['GET 200']);
      await kube.close();
    },
  ));

test('kube client should turn a Status answer into a KubeApiError and keep the connection', () =>
  withServer(
    (_req, res) => {
      res
        .writeHead(409, { 'content-type': 'application/json' })
        .end(JSON.stringify({ kind: 'Status', code: 409, reason: 'Conflict', message: 'already exists' }));
    },
    async (config) => {
      const { kube, agents, calls } = client(config);
      await assert.rejects(kube.request('POST', '/api/v1/x', { body: {} }), (error: unknown) => {
        assert.ok(error instanceof KubeApiError);
        assert.equal(error.status, 409);
        assert.equal(error.reason, 'Conflict');
        return true;
      });
      assert.equal(agents.length, 1, 'an answer, even an error, is no reason for a new connection');
      assert.deepEqual(calls, ['POST 409']);
      await kube.close();
    },
  ));

test('kube client should open a fresh connection after a network failure', () => {
  let requests = 0;
  return withServer(
    (req, res) => {
      requests++;
      // The first request's connection is cut without an answer, as after a GOAWAY or a reset.
      if (requests === 1) req.socket.destroy();
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    },
    async (config) => {
      const { kube, agents, calls, renewals } = client(config);
      await assert.rejects(kube.request('GET', '/api/v1'), (error: unknown) => {
        assert.ok(error instanceof KubeApiError);
        assert.equal(error.status, 0);
        return true;
      });
      assert.equal(agents.length, 2, 'the failure replaced the Agent');
      assert.equal(renewals.length, 1);
      assert.match(renewals[0] ?? '', /^GET \/api\/v1: /);
      assert.deepEqual(await kube.request('GET', '/api/v1'), {});
      assert.deepEqual(calls, ['GET 0', 'GET 200']);
      await kube.close();
    },
  );
});

test('kube client should renew once when many calls fail on the same connection', () =>
  withServer(
    (req) => {
      req.socket.destroy();
    },
    async (config) => {
      const { kube, agents } = client(config);
      const results = await Promise.allSettled([1, 2, 3, 4].map(() => kube.request('GET', '/x')));
      assert.ok(results.every((r) => r.status === 'rejected'));
      assert.equal(agents.length, 2);
      await kube.close();
    },
  ));

test('kube client should pass the caller abort through without renewing the connection', () =>
  withServer(
    () => {
      // never answers
    },
    async (config) => {
      const { kube, agents, calls } = client(config);
      const controller = new AbortController();
      const pending = kube.request('GET', '/slow', { signal: controller.signal });
      setTimeout(() => {
        controller.abort();
      }, 50);
      await assert.rejects(pending, (error: unknown) => !(error instanceof KubeApiError));
      assert.equal(agents.length, 1);
      assert.deepEqual(calls, []);
      await kube.close();
    },
  ));

test('kube client should refuse a body over 3 MiB before sending it, naming the object path', () => {
  let requests = 0;
  return withServer(
    (_req, res) => {
      requests++;
      res.writeHead(200).end('{}');
    },
    async (config) => {
      const { kube } = client(config);
      const body = { data: { big: 'x'.repeat(MAX_REQUEST_BODY_BYTES) } };
      const path = '/api/v1/namespaces/ns/configmaps/big';
      await assert.rejects(kube.request('PATCH', path, { body }), (error: unknown) => {
        assert.ok(error instanceof RequestBodyTooLarge);
        assert.ok(error instanceof KubeApiError, 'handled like the apiserver’s own 413');
        assert.equal(error.status, 413);
        assert.ok(error.message.includes(path));
        assert.match(error.message, /3145728-byte limit; not sent\. Make the object smaller/);
        return true;
      });
      assert.equal(requests, 0);
      await kube.close();
    },
  );
});

test('kube client streams should report each line as watch activity', () =>
  withServer(
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"type":"BOOKMARK"}\n{"type":"ADDED"}\n');
    },
    async (config) => {
      let activity = 0;
      const kube = new KubeClient(config, {
        hooks: {
          onWatchActivity: () => {
            activity++;
          },
        },
      });
      const lines: string[] = [];
      for await (const line of await kube.stream('/api/v1/pods', { watch: true }, AbortSignal.timeout(2000)))
        lines.push(line);
      assert.equal(lines.length, 2);
      assert.equal(activity, 2);
      await kube.close();
    },
  ));

test('kube client should renew the connection when a stream is aborted as stalled (a TimeoutError)', () =>
  withServer(
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"type":"BOOKMARK"}\n'); // then silence, connection open
    },
    async (config) => {
      const { kube, agents, calls } = client(config);
      const stall = new AbortController();
      const lines = await kube.stream('/api/v1/pods', { watch: true }, stall.signal);
      const seen: string[] = [];
      await assert.rejects(
        (async () => {
          for await (const line of lines) {
            seen.push(line);
            stall.abort(new DOMException('watch delivered nothing for 90000 ms', 'TimeoutError'));
          }
        })(),
        (error: unknown) => {
          assert.ok(error instanceof KubeApiError);
          assert.equal(error.status, 0);
          return true;
        },
      );
      assert.equal(seen.length, 1);
      assert.equal(agents.length, 2, 'a stalled stream leaves its connection behind');
      assert.deepEqual(calls, ['WATCH 200', 'WATCH 0']);
      await kube.close();
    },
  ));
