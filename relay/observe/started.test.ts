// Tests of the RelayStarted record between a real parent and child process over Node's IPC channel.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RelayNotStarted, relayStarted } from './started.ts';

const STARTED = fileURLToPath(new URL('./started.ts', import.meta.url));

/** A child process that runs `body` (ESM) with reportStarted imported. */
function child(body: string, ipc = true) {
  const code = `import { reportStarted } from ${JSON.stringify(STARTED)};\n${body}`;
  return spawn(process.execPath, ['--input-type=module', '-e', code], {
    stdio: ['ignore', 'ignore', 'inherit', ...(ipc ? ['ipc' as const] : [])],
  });
}

test('relayStarted should resolve with the record the child reports, its pid and URLs', async () => {
  const c = child("reportStarted('http://127.0.0.1:9090'); setTimeout(() => undefined, 200);");
  const record = await relayStarted(c);
  assert.deepEqual(record, {
    type: 'zeroloop.relay.started',
    url: 'http://127.0.0.1:9090',
    metricsUrl: 'http://127.0.0.1:9090/metrics',
    pid: c.pid,
  });
});

test('relayStarted should ignore other messages and reject with RelayNotStarted when the child exits first', async () => {
  const c = child("process.send({ type: 'something else' }); process.exitCode = 3;");
  await assert.rejects(relayStarted(c), (error: unknown) => {
    assert.ok(error instanceof RelayNotStarted);
    assert.match(error.message, /exited \(code 3\) before it started/);
    return true;
  });
});

test('relayStarted should refuse a child spawned without an IPC channel, and reportStarted there sends nothing', async () => {
  const c = child("reportStarted('http://127.0.0.1:9090');", false);
  await assert.rejects(relayStarted(c), /without an IPC channel/);
  const [code] = (await once(c, 'exit')) as [number | null];
  assert.equal(code, 0, 'reportStarted is a no-op without a channel');
});

test('relayStarted should give up after its timeout', async () => {
  const c = child('setTimeout(() => undefined, 5000);');
  try {
    await assert.rejects(relayStarted(c, 200), /did not start within 200 ms/);
  } finally {
    c.kill();
  }
});
