// The hook routes in Node (stand-in registry, no workerd): what a worker deployed without the HOOKS binding answers, and refusals that never reach an object.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorBody } from '../../src/protocol/errors.ts';
import { HOOK_ROUTES } from '../../src/protocol/hooks.ts';
import { createApp } from '../app.ts';
import { discardLog } from '../log.ts';
import { signedGet, TEST_SECRET } from '../testing/requests.ts';
import { standInRegistry } from '../testing/stand-in-registry.ts';

const env = { SIGNING_SECRET: TEST_SECRET };
const app = () => createApp({ registry: standInRegistry({ instances: 0, calls: 0 }), log: discardLog });

async function errorOf(response: Response, status: number): Promise<ErrorBody['error']> {
  assert.equal(response.status, status);
  return ErrorBody.parse(await response.json()).error;
}

test('connect should answer 500 naming the missing HOOKS binding, after the signature', async () => {
  const signed = await signedGet({ path: HOOK_ROUTES.connect, headers: { upgrade: 'websocket' } });
  const error = await errorOf(await app().request(HOOK_ROUTES.connect, signed, env), 500);
  assert.match(error.message, /no HOOKS Durable Object binding/);
  assert.equal(
    (await app().request(HOOK_ROUTES.connect, { headers: { upgrade: 'websocket' } }, env)).status,
    401,
  );
});

test('connect should refuse a signed request that is not a WebSocket upgrade with 400', async () => {
  const signed = await signedGet({ path: HOOK_ROUTES.connect });
  const error = await errorOf(await app().request(HOOK_ROUTES.connect, signed, env), 400);
  assert.match(error.message, /Upgrade: websocket/);
});

test('a delivery to a cluster the worker has no key for should get the unknown-hook 401 without any object', async () => {
  const path = HOOK_ROUTES.deliver('elsewhere', 'a'.repeat(64));
  const error = await errorOf(await app().request(path, { method: 'POST', body: '{}' }, env), 401);
  assert.equal(error.code, 'unauthorized');
  const big = await app().request(path, { method: 'POST', body: 'x'.repeat(1024 * 1024 + 1) }, env);
  assert.equal(big.status, 413);
});

test("a delivery to the worker's own cluster without the HOOKS binding should answer 500", async () => {
  const path = HOOK_ROUTES.deliver('default', 'a'.repeat(64));
  const error = await errorOf(await app().request(path, { method: 'POST', body: '{}' }, env), 500);
  assert.match(error.message, /HOOKS/);
});
