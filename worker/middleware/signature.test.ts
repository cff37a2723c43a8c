// Tests of the signature middleware through the app, with the STAND-IN registry counting what runs: scope, replay, key ids.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorBody } from '../../src/protocol/errors.ts';
import { HEADERS } from '../../src/protocol/routes.ts';
import { createApp } from '../app.ts';
import type { LogLine } from '../log.ts';
import type { SignatureOptions } from './signature.ts';
import { standInRegistry, type StandInStats } from '../testing/stand-in-registry.ts';
import { sampleRequest, signedGet, signedPost, TEST_SECRET } from '../testing/requests.ts';

const PATH = '/v1/reconcilers/stand-in/reconcile';
const OTHER = '/v1/reconcilers/misnamed/reconcile';
const env = { SIGNING_SECRET: TEST_SECRET };
const KEYS = {
  'east-1': { secret: 'east-secret-one', cluster: 'east' },
  'west-1': { secret: 'west-secret-one', cluster: 'west' },
};

function setup(signature: SignatureOptions = {}) {
  const stats: StandInStats = { instances: 0, calls: 0 };
  const lines: LogLine[] = [];
  const app = createApp({ registry: standInRegistry(stats), log: (l) => lines.push(l), signature });
  return { app, stats, lines };
}

async function refused(response: Response): Promise<string> {
  assert.equal(response.status, 401);
  const { error } = ErrorBody.parse(await response.json());
  assert.equal(error.code, 'unauthorized');
  return error.message;
}

function requestLines(lines: LogLine[]) {
  return lines.flatMap((l) => (l.msg === 'request' ? [l] : []));
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
    const init = await signedPost(PATH, sampleRequest(), { secret: 'wrong-secret' });
    assert.match(await refused(await app.request(PATH, init, env)), /forged/);
    assert.deepEqual(stats, { instances: 0, calls: 0 });
  });

  test('refuses a body changed after signing', async () => {
    const { app, stats } = setup();
    const init = await signedPost(PATH, sampleRequest());
    const tampered = init.body.replace('"sample"', '"other"');
    assert.notEqual(tampered, init.body);
    await refused(await app.request(PATH, { ...init, body: tampered }, env));
    assert.equal(stats.calls, 0);
  });

  test('refuses a body signed for one reconciler at another reconciler’s route', async () => {
    const { app, stats } = setup();
    const forA = await signedPost(PATH, sampleRequest());
    assert.match(await refused(await app.request(OTHER, forA, env)), /forged/);
    assert.deepEqual(stats, { instances: 0, calls: 0 });
  });

  test('refuses a request signed for another method', async () => {
    const { app } = setup();
    const get = await signedGet({ path: PATH });
    await refused(await app.request(PATH, { ...get, method: 'POST', body: '' }, env));
  });

  test('refuses a stale timestamp outside the replay window', async () => {
    const { app, stats } = setup();
    const tenMinutesAgo = Math.floor(Date.now() / 1000) - 600;
    const init = await signedPost(PATH, sampleRequest(), { nowSeconds: tenMinutesAgo });
    assert.match(await refused(await app.request(PATH, init, env)), /stale/);
    assert.equal(stats.calls, 0);
  });

  test('refuses malformed signature headers', async () => {
    const { app } = setup();
    const init = await signedPost(PATH, sampleRequest());
    for (const [header, value] of [
      [HEADERS.signature, 'sha1=abc'],
      [HEADERS.nonce, 'not-hex'],
      [HEADERS.keyId, 'bad key id'],
    ] as const) {
      const headers = { ...init.headers, [header]: value };
      assert.match(await refused(await app.request(PATH, { ...init, headers }, env)), /malformed/, header);
    }
  });

  test('guards GET /v1/reconcilers too', async () => {
    const { app, stats } = setup();
    await refused(await app.request('/v1/reconcilers', {}, env));
    assert.equal(stats.instances, 0);
  });

  test('answers 500 internal, running nothing, when the worker has no key', async () => {
    const { app, stats } = setup();
    const response = await app.request(PATH, await signedPost(PATH, sampleRequest()), { SIGNING_SECRET: '' });
    assert.equal(response.status, 500);
    const { error } = ErrorBody.parse(await response.json());
    assert.equal(error.code, 'internal');
    assert.match(error.message, /wrangler secret put SIGNING_KEYS` or `wrangler secret put SIGNING_SECRET/);
    assert.equal(stats.calls, 0);
  });
});

describe('verifySignature: replay', () => {
  test('refuses the same signed request a second time, and accepts the same body freshly signed', async () => {
    const { app, stats } = setup();
    const init = await signedPost(PATH, sampleRequest());
    assert.equal((await app.request(PATH, init, env)).status, 200);
    assert.match(await refused(await app.request(PATH, init, env)), /replayed/);
    assert.equal((await app.request(PATH, await signedPost(PATH, sampleRequest()), env)).status, 200);
    assert.equal(stats.calls, 2);
  });

  test('lets only one of two concurrent copies through', async () => {
    const { app, stats } = setup();
    const init = await signedPost(PATH, sampleRequest());
    const statuses = await Promise.all([app.request(PATH, init, env), app.request(PATH, init, env)]);
    assert.deepEqual(statuses.map((r) => r.status).sort(), [200, 401]);
    assert.equal(stats.calls, 1);
  });

  test('forgets a signature once it is stale anyway, and refuses it as stale', async () => {
    let now = 1_800_000_000;
    const { app } = setup({ nowSeconds: () => now });
    const init = await signedPost(PATH, sampleRequest(), { nowSeconds: now });
    assert.equal((await app.request(PATH, init, env)).status, 200);
    now += 301;
    assert.match(await refused(await app.request(PATH, init, env)), /stale/);
  });

  test('is bounded: beyond replayEntries the oldest signature is forgotten early (the documented limit)', async () => {
    const { app } = setup({ replayEntries: 2 });
    const inits = await Promise.all([1, 2, 3].map(() => signedPost(PATH, sampleRequest())));
    for (const init of inits) assert.equal((await app.request(PATH, init, env)).status, 200);
    assert.equal((await app.request(PATH, inits[0], env)).status, 200, 'the oldest was forgotten');
    await refused(await app.request(PATH, inits[2], env));
  });
});

describe('verifySignature: key ids and clusters', () => {
  const keysEnv = { SIGNING_KEYS: JSON.stringify(KEYS), SIGNING_SECRET: TEST_SECRET };

  test('accepts each key under its id and logs the cluster derived from the key', async () => {
    const { app, lines } = setup();
    for (const [keyId, { secret }] of Object.entries(KEYS)) {
      const init = await signedPost(PATH, sampleRequest(), { keyId, secret });
      assert.equal((await app.request(PATH, init, keysEnv)).status, 200, keyId);
    }
    assert.equal((await app.request(PATH, await signedPost(PATH, sampleRequest()), keysEnv)).status, 200);
    assert.deepEqual(
      requestLines(lines).map((l) => [l.keyId, l.cluster]),
      [
        ['east-1', 'east'],
        ['west-1', 'west'],
        ['default', 'default'],
      ],
    );
  });

  test('one cluster’s key cannot sign as another’s key id, and an unknown key id is refused', async () => {
    const { app, stats, lines } = setup();
    const asWest = await signedPost(PATH, sampleRequest(), {
      keyId: 'west-1',
      secret: KEYS['east-1'].secret,
    });
    assert.match(await refused(await app.request(PATH, asWest, keysEnv)), /forged/);
    const unknown = await signedPost(PATH, sampleRequest(), { keyId: 'north-1', secret: 'whatever' });
    assert.match(await refused(await app.request(PATH, unknown, keysEnv)), /unknown key id "north-1"/);
    assert.equal(stats.calls, 0);
    assert.ok(
      requestLines(lines).every((l) => l.cluster === undefined),
      'no cluster for a refused request',
    );
  });

  test('a SIGNING_KEYS entry `default` takes precedence over SIGNING_SECRET', async () => {
    const { app, lines } = setup();
    const both = {
      ...keysEnv,
      SIGNING_KEYS: JSON.stringify({ default: { secret: 'new', cluster: 'prod' } }),
    };
    await refused(await app.request(PATH, await signedPost(PATH, sampleRequest()), both));
    const init = await signedPost(PATH, sampleRequest(), { secret: 'new' });
    assert.equal((await app.request(PATH, init, both)).status, 200);
    assert.equal(requestLines(lines).at(-1)?.cluster, 'prod');
  });

  test('a malformed SIGNING_KEYS is 500 internal saying what to set, never quoting the secrets', async () => {
    const { app } = setup();
    for (const bad of [
      '{"k1": {"secret": "hunter2-top-secret"',
      '{"k1": {"secret": "hunter2-top-secret"}}',
    ]) {
      const response = await app.request(PATH, await signedPost(PATH, sampleRequest()), {
        SIGNING_KEYS: bad,
      });
      assert.equal(response.status, 500);
      const { error } = ErrorBody.parse(await response.json());
      assert.equal(error.code, 'internal');
      assert.match(error.message, /SIGNING_KEYS .*set it to JSON/);
      assert.doesNotMatch(error.message, /hunter2/);
    }
  });

  test('the signature covers the key id: changing the header breaks it', async () => {
    const { app } = setup();
    const sameSecret = {
      SIGNING_KEYS: JSON.stringify({ a: { secret: 's', cluster: 'x' }, b: { secret: 's', cluster: 'y' } }),
    };
    const init = await signedPost(PATH, sampleRequest(), { keyId: 'a', secret: 's' });
    const relabelled = { ...init, headers: { ...init.headers, [HEADERS.keyId]: 'b' } };
    assert.match(await refused(await app.request(PATH, relabelled, sameSecret)), /forged/);
  });
});
