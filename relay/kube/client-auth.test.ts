// Unit tests of the KubeClient with an exec plugin's credential (refresh and one retry on 401) and through a proxy.
//
// Against a loopback HTTP server standing in for the apiserver (no cluster in unit tests), with a
// real exec plugin (a Node script) and a real forwarding proxy.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { execPluginRuns, writeExecPlugin } from '../testing/exec-plugin.ts';
import { KubeApiError, KubeClient } from './client.ts';
import { agentFor } from './connection.ts';
import { ExecCredentialSource } from './exec-credential.ts';
import type { RestConfig } from './rest-config.ts';

async function listen(server: ReturnType<typeof createServer>): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: ReturnType<typeof createServer>): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

/** An "apiserver" that accepts only the tokens in `valid`, and records the Authorization of each request. */
function apiserver(valid: Set<string>) {
  const seen: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const auth = req.headers.authorization ?? '';
    seen.push(auth);
    if (!valid.has(auth.replace(/^Bearer /, ''))) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', code: 401, reason: 'Unauthorized', message: 'Unauthorized' }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(req.url?.startsWith('/watch') ? '{"type":"ADDED"}\n' : JSON.stringify({ ok: true }));
  });
  return { server, seen };
}

async function withPlugin(fn: (plugin: { command: string; runs: string }) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'zl-client-auth-'));
  try {
    await fn({ command: await writeExecPlugin(dir), runs: join(dir, 'runs') });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function execConfig(server: string, plugin: { command: string; runs: string }): RestConfig {
  return {
    server,
    tls: { insecureSkipVerify: false },
    auth: {
      type: 'exec',
      credentials: new ExecCredentialSource({
        config: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: plugin.command,
          args: [plugin.runs],
          interactiveMode: 'Never',
        },
        source: 'test',
      }),
    },
  };
}

test('kube client should run the exec plugin again on 401 and retry the request once', () =>
  withPlugin(async (plugin) => {
    // token-1 (the first run's) is refused, as a revoked or expired token would be; token-2 works.
    const { server, seen } = apiserver(new Set(['token-2']));
    const kube = new KubeClient(execConfig(await listen(server), plugin), { timeoutMs: 5000 });
    try {
      assert.deepEqual(await kube.request('GET', '/api/v1/namespaces'), { ok: true });
      assert.deepEqual(seen, ['Bearer token-1', 'Bearer token-2']);
      assert.equal((await execPluginRuns(plugin.runs)).length, 2);
      // Cached now: no more runs for later requests and watches.
      await kube.request('GET', '/api/v1/pods');
      const lines = [];
      for await (const line of await kube.stream('/watch/pods', {}, AbortSignal.timeout(5000)))
        lines.push(line);
      assert.deepEqual(lines, ['{"type":"ADDED"}']);
      assert.equal((await execPluginRuns(plugin.runs)).length, 2);
    } finally {
      await kube.close();
      await close(server);
    }
  }));

test('kube client should retry a 401 only once, and then report it', () =>
  withPlugin(async (plugin) => {
    const { server, seen } = apiserver(new Set());
    const kube = new KubeClient(execConfig(await listen(server), plugin), { timeoutMs: 5000 });
    try {
      await assert.rejects(kube.request('GET', '/api/v1/namespaces'), (error: unknown) => {
        assert.ok(error instanceof KubeApiError);
        assert.equal(error.status, 401);
        return true;
      });
      assert.deepEqual(seen, ['Bearer token-1', 'Bearer token-2']);
      await assert.rejects(kube.stream('/watch/pods', {}, AbortSignal.timeout(5000)), /401/);
      // The retry's credential stays cached; the next request's 401 refreshes it (one run per request).
      assert.deepEqual(seen.slice(2), ['Bearer token-2', 'Bearer token-3']);
    } finally {
      await kube.close();
      await close(server);
    }
  }));

test('kube client should present an exec plugin client certificate, replacing the connection only when it changes', () =>
  withPlugin(async (plugin) => {
    const { server } = apiserver(new Set(['']));
    const credential = JSON.stringify({
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      status: { clientCertificateData: 'CERT-PEM', clientKeyData: 'KEY-PEM' },
    });
    const config = execConfig(await listen(server), plugin);
    if (config.auth.type !== 'exec') throw new Error('exec config expected');
    config.auth = {
      type: 'exec',
      credentials: new ExecCredentialSource({
        config: { ...config.auth.credentials.config, env: [{ name: 'EXEC_STDOUT', value: credential }] },
        source: 'test',
      }),
    };
    const built: (string | undefined)[] = [];
    const renewals: string[] = [];
    const kube = new KubeClient(config, {
      timeoutMs: 5000,
      agentFor: (c) => {
        built.push(c.tls.cert?.toString());
        return agentFor(c);
      },
      hooks: { onRenew: (reason) => renewals.push(reason) },
    });
    try {
      await kube.request('GET', '/api/v1/namespaces');
      await kube.request('GET', '/api/v1/pods');
      // The first Agent had no certificate; the plugin's replaced it, once.
      assert.deepEqual(built, [undefined, 'CERT-PEM']);
      assert.equal(renewals.length, 1);
      assert.match(renewals[0] ?? '', /gave a new client certificate/);
      assert.equal((await execPluginRuns(plugin.runs)).length, 1);
    } finally {
      await kube.close();
      await close(server);
    }
  }));

test('kube client should reach the apiserver through the proxy a kubeconfig names', async () => {
  const { server } = apiserver(new Set(['t']));
  const target = await listen(server);
  const tunnels: string[] = [];
  // An http:// server is reached by forwarding (as Go does); https:// ones by CONNECT (the e2e test).
  const proxy = createServer((req, res) => {
    tunnels.push(`${req.method ?? ''} ${req.url ?? ''}`);
    const url = new URL(req.url ?? '');
    const upstream = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  const proxyUrl = await listen(proxy);
  const kube = new KubeClient(
    {
      server: target,
      tls: { insecureSkipVerify: false },
      auth: { type: 'token', token: 't' },
      proxy: { url: proxyUrl, from: 'proxy-url' },
    },
    { timeoutMs: 5000 },
  );
  try {
    assert.deepEqual(await kube.request('GET', '/api/v1/namespaces'), { ok: true });
    assert.deepEqual(tunnels, [`GET ${target}/api/v1/namespaces`]);
  } finally {
    await kube.close();
    await close(proxy);
    await close(server);
  }
});
