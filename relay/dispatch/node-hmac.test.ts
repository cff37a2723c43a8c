// Node's HMAC signs exactly as the WebCrypto default, so a worker verifies the relay's requests either way.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signature, verify } from '../../src/signing.ts';
import { nodeHmac } from './node-hmac.ts';

const request = {
  secret: 'a shared secret',
  method: 'POST',
  path: '/v1/reconcilers/w/reconcile',
  body: '{"a":1}',
};

test("nodeHmac should give the same signature as WebCrypto's, which verify accepts", async () => {
  const options = { ...request, nowSeconds: 1_700_000_000, nonce: 'f'.repeat(32) };
  const sig = await signature({ ...options, hmac: nodeHmac });
  assert.equal(sig, await signature(options));
  const result = await verify({
    ...request,
    headers: { keyId: 'default', timestamp: '1700000000', nonce: options.nonce, signature: `v2=${sig}` },
    secretOf: () => request.secret,
    nowSeconds: 1_700_000_000,
  });
  assert.equal(result.ok, true);
});
