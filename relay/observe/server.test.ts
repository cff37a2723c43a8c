// Unit tests of the observe server: metrics text, health and readiness over real HTTP on loopback.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startObserveServer } from './server.ts';

test('observe server should serve /metrics, /healthz and a /readyz that follows readiness', async () => {
  let ready = false;
  const server = await startObserveServer({ port: 0, metrics: () => 'x_total 1\n', ready: () => ready });
  try {
    const metrics = await fetch(`${server.url}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    assert.equal(await metrics.text(), 'x_total 1\n');
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${server.url}/readyz`)).status, 503);
    ready = true;
    assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
    assert.equal((await fetch(`${server.url}/nope`)).status, 404);
  } finally {
    await server.close();
  }
});
