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

test('observe server /readyz should print why it is not ready', async () => {
  let answer = { ready: false, reason: 'apiserver unreachable for 31000 ms' };
  const server = await startObserveServer({ port: 0, metrics: () => '', ready: () => answer });
  try {
    const response = await fetch(`${server.url}/readyz`);
    assert.equal(response.status, 503);
    assert.equal(await response.text(), 'not ready: apiserver unreachable for 31000 ms\n');
    answer = { ready: true, reason: '' };
    assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
  } finally {
    await server.close();
  }
});
