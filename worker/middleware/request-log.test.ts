// Tests of the request log middleware: one line per request, including refused ones (STAND-IN registries, no wasm).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WIT_VERSION } from '../../src/protocol/version.ts';
import { createApp } from '../app.ts';
import type { LogLine } from '../log.ts';
import { standInRegistry } from '../testing/stand-in-registry.ts';
import { sampleRequest, signedPost, TEST_SECRET } from '../testing/requests.ts';

const env = { SIGNING_SECRET: TEST_SECRET };

describe('requestLog', () => {
  test('logs a refused request once, with its code and no primary', async () => {
    const lines: LogLine[] = [];
    const app = createApp({ registry: standInRegistry(), log: (l) => lines.push(l) });
    const response = await app.request(
      '/v1/reconcilers/stand-in/reconcile',
      { method: 'POST', body: '{}' },
      env,
    );
    assert.equal(response.status, 401);
    assert.equal(lines.length, 1);
    const line = lines[0];
    assert.ok(line?.msg === 'request');
    assert.equal(line.outcome, 'unauthorized');
    assert.equal(line.level, 'warn');
    assert.equal(line.primary, undefined);
    assert.match(response.headers.get('server-timing') ?? '', /^total;dur=[\d.]+$/);
  });

  test('marks a malformed traceparent instead of logging it', async () => {
    const lines: LogLine[] = [];
    const app = createApp({ registry: standInRegistry(), log: (l) => lines.push(l) });
    const init = await signedPost('/v1/reconcilers/stand-in/reconcile', sampleRequest(), {
      headers: { traceparent: 'not-a-trace' },
    });
    await app.request('/v1/reconcilers/stand-in/reconcile', init, env);
    const line = lines.find((l) => l.msg === 'request');
    assert.ok(line?.msg === 'request');
    assert.equal(line.traceparent, undefined);
    assert.equal(line.traceparentMalformed, true);
    assert.equal(line.outcome, 'ok');
    assert.equal(line.level, 'info');
  });

  test('a 500 is logged at error level with the unexpected error only in the log', async () => {
    const lines: LogLine[] = [];
    const app = createApp({
      registry: {
        boom: {
          wit: WIT_VERSION,
          instantiate: () =>
            Promise.resolve({
              describe: () => {
                throw new Error('x');
              },
              reconcile: () => {
                throw new Error('x');
              },
            }),
        },
      },
      log: (l) => lines.push(l),
      signature: {
        keys: () => {
          throw new Error('secret store down');
        },
      },
    });
    const response = await app.request('/v1/reconcilers', {}, env);
    assert.equal(response.status, 500);
    const body = await response.text();
    assert.doesNotMatch(body, /at .*\.ts:\d+/, 'no stack in the response');
    const line = lines[0];
    assert.ok(line?.msg === 'request');
    assert.equal(line.level, 'error');
    assert.equal(line.outcome, 'internal');
    assert.match(line.detail ?? '', /secret store down/);
  });
});
