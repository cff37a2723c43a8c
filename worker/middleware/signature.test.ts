// Tests of the signature middleware through the app, with the STAND-IN registry counting what runs.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorBody } from '../../src/protocol/errors.ts';
import { HEADERS } from '../../src/protocol/routes.ts';
import { signHeaders } from '../../src/signing.ts';
import { createApp } from '../app.ts';
import { discardLog } from '../log.ts';
import { standInRegistry, type StandInStats } from '../testing/stand-in-registry.ts';
import { sampleRequest, signedPost, TEST_SECRET } from '../testing/requests.ts';

const PATH = '/v1/reconcilers/stand-in/reconcile';
const env = { SIGNING_SECRET: TEST_SECRET };

function setup() {
  const stats: StandInStats = { instances: 0, calls: 0 };
  return { app: createApp({ registry: standInRegistry(stats), log: discardLog }), stats };
}

async function refused(response: Response): Promise<string> {
  assert.equal(response.status, 401);
  const { error } = ErrorBody.parse(await response.json());
  assert.equal(error.code, 'unauthorized');
  return error.message;
}

describe('verifySignature', () => {
  test('refuses an unsigned request and runs nothing', async () => {
    const { app, stats } = setup();
    const body = JSON.stringify(sampleRequest());
    const message = await refused(await app.request(PATH, { method: 'POST', body }, env));
    assert.match(message, /missing/);
    assert.deepEqual(stats, { instances: 0, calls: 0 });
  });

  test('refuses a request signed with another secret', async () => {
    const { app, stats } = setup();
    const message = await refused(
      await app.request(PATH, await signedPost(sampleRequest(), 'wrong-secret'), env),
    );
    assert.match(message, /forged/);
    assert.deepEqual(stats, { instances: 0, calls: 0 });
  });

  test('refuses a body changed after signing', async () => {
    const { app, stats } = setup();
    const init = await signedPost(sampleRequest());
    const tampered = init.body.replace('"sample"', '"other"');
    assert.notEqual(tampered, init.body);
    await refused(await app.request(PATH, { ...init, body: tampered }, env));
    assert.equal(stats.calls, 0);
  });

  test('refuses a stale timestamp outside the replay window', async () => {
    const { app, stats } = setup();
    const body = JSON.stringify(sampleRequest());
    const tenMinutesAgo = Math.floor(Date.now() / 1000) - 600;
    const headers = await signHeaders(TEST_SECRET, body, tenMinutesAgo);
    const message = await refused(await app.request(PATH, { method: 'POST', body, headers }, env));
    assert.match(message, /stale/);
    assert.equal(stats.calls, 0);
  });

  test('refuses a malformed signature header', async () => {
    const { app } = setup();
    const init = await signedPost(sampleRequest());
    const headers = { ...init.headers, [HEADERS.signature]: 'sha1=abc' };
    assert.match(await refused(await app.request(PATH, { ...init, headers }, env)), /malformed/);
  });

  test('guards GET /v1/reconcilers too', async () => {
    const { app, stats } = setup();
    await refused(await app.request('/v1/reconcilers', {}, env));
    assert.equal(stats.instances, 0);
  });

  test('answers 500 internal, running nothing, when the worker has no secret', async () => {
    const { app, stats } = setup();
    const response = await app.request(PATH, await signedPost(sampleRequest()), { SIGNING_SECRET: '' });
    assert.equal(response.status, 500);
    const { error } = ErrorBody.parse(await response.json());
    assert.equal(error.code, 'internal');
    assert.match(error.message, /wrangler secret put SIGNING_SECRET/);
    assert.equal(stats.calls, 0);
  });
});
