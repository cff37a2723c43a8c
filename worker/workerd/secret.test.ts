// A worker in workerd with no signing key (SIGNING_KEYS and SIGNING_SECRET empty) answers 500 internal and runs nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestHarness } from 'wrangler';
import { ErrorBody } from '../../src/protocol/errors.ts';
import { TEST_CONFIG } from '../testing/harness.ts';
import { sampleRequest, signedPost } from '../testing/requests.ts';

test('a worker without signing keys refuses signed requests with 500 internal and a fix', async () => {
  const server = createTestHarness({
    workers: [{ configPath: TEST_CONFIG, secrets: { SIGNING_SECRET: '', SIGNING_KEYS: '' } }],
  });
  try {
    await server.listen();
    const response = await server.fetch(
      '/v1/reconcilers/faulty/reconcile',
      await signedPost('/v1/reconcilers/faulty/reconcile', sampleRequest({ spec: { mode: 'ok' } })),
    );
    assert.equal(response.status, 500);
    const { error } = ErrorBody.parse(await response.json());
    assert.equal(error.code, 'internal');
    assert.match(error.message, /wrangler secret put SIGNING_KEYS` or `wrangler secret put SIGNING_SECRET/);
    const logs = server.getLogs().map((l) => l.message);
    assert.ok(!logs.some((m) => m.includes('"msg":"instantiate"')), 'no component was instantiated');
    assert.equal((await server.fetch('/healthz')).status, 200, 'health does not need the secret');
  } finally {
    await server.close();
  }
});
