// Tests of the protocol handshake through the app, with the STAND-IN registry counting what runs: versions stated, refused, and WIT versions of components.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorBody } from '../../src/protocol/errors.ts';
import { HEADERS } from '../../src/protocol/routes.ts';
import { DescriptorList } from '../../src/protocol/schemas.ts';
import { PROTOCOL_VERSION, WIT_VERSION } from '../../src/protocol/version.ts';
import { createApp } from '../app.ts';
import { discardLog, type LogLine } from '../log.ts';
import { OUTDATED_WIT, standInRegistry, type StandInStats } from '../testing/stand-in-registry.ts';
import { sampleRequest, signedGet, signedPost, TEST_SECRET } from '../testing/requests.ts';

const env = { SIGNING_SECRET: TEST_SECRET };
const PATH = '/v1/reconcilers/stand-in/reconcile';
const OURS = String(PROTOCOL_VERSION);
const OTHER = PROTOCOL_VERSION + 1;

function setup(protocolVersion?: number) {
  const stats: StandInStats = { instances: 0, calls: 0 };
  const lines: LogLine[] = [];
  const app = createApp({
    registry: standInRegistry(stats),
    log: (line) => lines.push(line),
    ...(protocolVersion !== undefined && { protocolVersion }),
  });
  return { app, stats, lines };
}

async function errorOf(response: Response): Promise<ErrorBody['error']> {
  return ErrorBody.parse(await response.json()).error;
}

/** A signed reconcile request as the relay sends it, with the protocol header replaced (or removed with undefined). */
async function reconcileWith(protocol: string | undefined): Promise<RequestInit> {
  const init = await signedPost(PATH, sampleRequest());
  const others = Object.entries(init.headers).filter(([name]) => name !== HEADERS.protocol);
  const headers = Object.fromEntries(
    protocol === undefined ? others : [...others, [HEADERS.protocol, protocol]],
  );
  return { ...init, headers };
}

describe('protocol handshake', () => {
  test('every answer states the worker protocol version: health, list, reconcile, 400, 401 and 404', async () => {
    const { app } = setup();
    const answers = [
      await app.request('/healthz', {}, env),
      await app.request('/nowhere', {}, env),
      await app.request(PATH, { method: 'POST', body: '{}' }, env),
      await app.request(PATH, await signedPost(PATH, sampleRequest()), env),
      await app.request(PATH, await signedPost(PATH, '{'), env),
      await app.request(PATH, await reconcileWith(undefined), env),
    ];
    assert.deepEqual(
      answers.map((r) => r.status),
      [200, 404, 401, 200, 400, 400],
    );
    for (const response of answers) assert.equal(response.headers.get(HEADERS.protocol), OURS);
    const list = createApp({ registry: { 'stand-in': standInRegistry()['stand-in'] }, log: discardLog });
    const listed = await list.request('/v1/reconcilers', await signedGet(), env);
    assert.equal(listed.status, 200);
    assert.equal(listed.headers.get(HEADERS.protocol), OURS);
  });

  test('a request that states no protocol version is refused with 400 incompatible_protocol, and nothing runs', async () => {
    const { app, stats, lines } = setup();
    const response = await app.request(PATH, await reconcileWith(undefined), env);
    assert.equal(response.status, 400);
    const error = await errorOf(response);
    assert.equal(error.code, 'incompatible_protocol');
    assert.match(error.message, /states no zeroloop protocol version \(header x-zeroloop-protocol absent/);
    assert.match(
      error.message,
      new RegExp(`this worker speaks protocol ${OURS}: nothing ran; upgrade the relay`),
    );
    assert.deepEqual(stats, { instances: 0, calls: 0 });
    const line = lines.at(-1);
    assert.equal(line?.msg === 'request' ? line.outcome : undefined, 'incompatible_protocol');
  });

  test('a request stating another protocol version is refused naming both versions, and nothing runs', async () => {
    const { app, stats } = setup();
    const newer = await app.request(PATH, await reconcileWith(String(OTHER)), env);
    assert.equal(newer.status, 400);
    const error = await errorOf(newer);
    assert.equal(error.code, 'incompatible_protocol');
    assert.match(
      error.message,
      new RegExp(
        `relay speaks zeroloop protocol ${OTHER}, this worker speaks protocol ${OURS}: nothing ran; upgrade the worker`,
      ),
    );
    for (const bad of ['abc', '1.0', '', '0', '-1'].map(String)) {
      const response = await app.request(PATH, await reconcileWith(bad), env);
      assert.equal(response.status, 400, `header "${bad}"`);
      assert.equal((await errorOf(response)).code, 'incompatible_protocol');
    }
    const list = await app.request(
      '/v1/reconcilers',
      await signedGet({ headers: { [HEADERS.protocol]: String(OTHER) } }),
      env,
    );
    assert.equal(list.status, 400);
    assert.equal((await errorOf(list)).code, 'incompatible_protocol');
    assert.deepEqual(stats, { instances: 0, calls: 0 });
  });

  test('a worker built for another protocol states it, and refuses this relay naming both and what to upgrade', async () => {
    const { app, stats } = setup(OTHER);
    const response = await app.request(PATH, await reconcileWith(OURS), env);
    assert.equal(response.status, 400);
    assert.equal(response.headers.get(HEADERS.protocol), String(OTHER));
    const error = await errorOf(response);
    assert.match(
      error.message,
      new RegExp(
        `relay speaks zeroloop protocol ${OURS}, this worker speaks protocol ${OTHER}: nothing ran; upgrade the relay`,
      ),
    );
    assert.equal(stats.calls, 0);
    const same = await app.request(PATH, await reconcileWith(String(OTHER)), env);
    assert.equal(same.status, 200);
  });

  test('an unsigned request is refused by the signature first (401), whatever its protocol version', async () => {
    const { app } = setup();
    const response = await app.request(PATH, { method: 'POST', body: JSON.stringify(sampleRequest()) }, env);
    assert.equal(response.status, 401);
  });
});

describe('WIT versions of components', () => {
  test('GET /v1/reconcilers lists the WIT version each component was built against', async () => {
    const app = createApp({ registry: { 'stand-in': standInRegistry()['stand-in'] }, log: discardLog });
    const response = await app.request('/v1/reconcilers', await signedGet(), env);
    const list = DescriptorList.parse(await response.json());
    assert.deepEqual(
      list.reconcilers.map((r) => [r.name, r.wit]),
      [['stand-in', WIT_VERSION]],
    );
  });

  test('a component built against a WIT minor this worker does not run is refused with 500 incompatible_component, never instantiated', async () => {
    const { app, stats } = setup();
    const path = '/v1/reconcilers/outdated/reconcile';
    const response = await app.request(path, await signedPost(path, sampleRequest()), env);
    assert.equal(response.status, 500);
    const error = await errorOf(response);
    assert.equal(error.code, 'incompatible_component');
    assert.match(
      error.message,
      new RegExp(`built against zeroloop:reconciler@${OUTDATED_WIT.replaceAll('.', '\\.')}`),
    );
    assert.match(error.message, /runs components of zeroloop:reconciler@0\.1\.x–0\.2\.x/);
    assert.match(error.message, /npx zeroloop build outdated/);
    assert.deepEqual(stats, { instances: 0, calls: 0 });
    const listOnly = createApp({ registry: { outdated: standInRegistry(stats).outdated }, log: discardLog });
    const list = await listOnly.request('/v1/reconcilers', await signedGet(), env);
    assert.equal(list.status, 500);
    assert.equal((await errorOf(list)).code, 'incompatible_component');
    assert.equal(stats.instances, 0);
  });
});
