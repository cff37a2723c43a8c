// In-Node tests of the Hono app's routes and error mapping, against the STAND-IN registry (no workerd, no wasm).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorBody } from '../src/protocol/errors.ts';
import { MAX_JSON_DEPTH } from '../src/protocol/routes.ts';
import { DescriptorList, ReconcileResponse } from '../src/protocol/schemas.ts';
import { createApp } from './app.ts';
import { discardLog, type LogLine } from './log.ts';
import { standInRegistry, type StandInStats } from './testing/stand-in-registry.ts';
import {
  configMaps,
  nestedBody,
  sampleRequest,
  signedGet,
  signedPost,
  TEST_SECRET,
} from './testing/requests.ts';

const env = { SIGNING_SECRET: TEST_SECRET };
const PATH = '/v1/reconcilers/stand-in/reconcile';

function setup() {
  const stats: StandInStats = { instances: 0, calls: 0 };
  const lines: LogLine[] = [];
  const app = createApp({ registry: standInRegistry(stats), log: (line) => lines.push(line) });
  return { app, stats, lines };
}

async function errorOf(response: Response): Promise<ErrorBody['error']> {
  return ErrorBody.parse(await response.json()).error;
}

describe('worker app (stand-in registry)', () => {
  test('GET /healthz answers ok without a signature', async () => {
    const { app } = setup();
    const response = await app.request('/healthz', {}, env);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok' });
  });

  test('POST reconcile returns the validated answer, with Server-Timing', async () => {
    const { app, stats } = setup();
    const request = sampleRequest({ owned: configMaps('own', 2), related: configMaps('rel', 3) });
    const response = await app.request(PATH, await signedPost(PATH, request), env);
    assert.equal(response.status, 200);
    const body = ReconcileResponse.parse(await response.json());
    assert.equal(body.desired[0]?.metadata.name, 'sample-out');
    assert.deepEqual((body.desired[0] as { data?: unknown }).data, { owned: '2', related: '3' });
    assert.deepEqual(body.events, [{ type: 'Normal', reason: 'Reconciled', message: 'stand-in reconciled' }]);
    assert.match(response.headers.get('server-timing') ?? '', /^reconcile;dur=[\d.]+, total;dur=[\d.]+$/);
    assert.equal(stats.calls, 1);
  });

  test('GET /v1/reconcilers lists validated descriptors and flags a lying one', async () => {
    const app = createApp({ registry: { 'stand-in': standInRegistry()['stand-in'] }, log: discardLog });
    const response = await app.request('/v1/reconcilers', await signedGet(), env);
    assert.equal(response.status, 200);
    const list = DescriptorList.parse(await response.json());
    assert.deepEqual(
      list.reconcilers.map((d) => d.name),
      ['stand-in'],
    );
    const lying = createApp({ registry: { misnamed: standInRegistry().misnamed }, log: discardLog });
    const bad = await lying.request('/v1/reconcilers', await signedGet(), env);
    assert.equal(bad.status, 502);
    const error = await errorOf(bad);
    assert.equal(error.code, 'invalid_answer');
    assert.match(error.message, /calls itself "other"/);
  });

  test('an unknown reconciler is 404 not_found', async () => {
    const { app } = setup();
    const response = await app.request(
      '/v1/reconcilers/nope/reconcile',
      await signedPost('/v1/reconcilers/nope/reconcile', sampleRequest()),
      env,
    );
    assert.equal(response.status, 404);
    const error = await errorOf(response);
    assert.equal(error.code, 'not_found');
    assert.match(error.message, /unknown reconciler "nope"/);
  });

  test('an unknown route is 404 not_found with JSON', async () => {
    const { app } = setup();
    const response = await app.request('/nowhere', {}, env);
    assert.equal(response.status, 404);
    assert.equal((await errorOf(response)).code, 'not_found');
  });

  test('a body that is not JSON is 400 bad_request', async () => {
    const { app, stats } = setup();
    const response = await app.request(PATH, await signedPost(PATH, '{not json'), env);
    assert.equal(response.status, 400);
    const error = await errorOf(response);
    assert.equal(error.code, 'bad_request');
    assert.match(error.message, /is not JSON/);
    assert.equal(stats.instances, 0, 'nothing was instantiated');
  });

  test('a request that breaks the schema is 400 naming the fields', async () => {
    const { app, stats } = setup();
    const request = { ...sampleRequest(), trigger: { type: 'sometimes' }, owned: 'none' };
    const response = await app.request(PATH, await signedPost(PATH, request), env);
    assert.equal(response.status, 400);
    const error = await errorOf(response);
    assert.equal(error.code, 'bad_request');
    assert.match(error.message, /owned: /);
    assert.match(error.message, /trigger/);
    assert.equal(stats.calls, 0);
  });

  test('a number JSON cannot hold (1e400) is 400 number_out_of_range naming the field, before the component', async () => {
    const { app, stats } = setup();
    const body = JSON.stringify(sampleRequest({ spec: { mode: 'ok', size: 1 } })).replace(
      '"size":1',
      '"size":1e400',
    );
    const response = await app.request(PATH, await signedPost(PATH, body), env);
    assert.equal(response.status, 400);
    const error = await errorOf(response);
    assert.equal(error.code, 'number_out_of_range');
    assert.match(error.message, /at primary\.spec\.size \(1e400\)/);
    assert.equal(stats.instances, 0, 'nothing was instantiated');
  });

  test('nesting deeper than MAX_JSON_DEPTH is 400 nesting_too_deep; at the limit it reaches the component', async () => {
    const { app, stats } = setup();
    const refused = await app.request(PATH, await signedPost(PATH, nestedBody(MAX_JSON_DEPTH + 1)), env);
    assert.equal(refused.status, 400);
    const error = await errorOf(refused);
    assert.equal(error.code, 'nesting_too_deep');
    assert.match(error.message, /deeper than 100 levels \(at primary\.spec\.deep\.a\.a\.a\.…/);
    assert.equal(stats.instances, 0, 'nothing was instantiated');
    const accepted = await app.request(PATH, await signedPost(PATH, nestedBody(MAX_JSON_DEPTH)), env);
    assert.equal(accepted.status, 200);
    const tenThousand = await app.request(PATH, await signedPost(PATH, nestedBody(10_000)), env);
    assert.equal((await errorOf(tenThousand)).code, 'nesting_too_deep');
    assert.equal(stats.calls, 1);
  });

  test('wit err is 422 reconciler_error carrying the reconciler message', async () => {
    const { app } = setup();
    const response = await app.request(
      PATH,
      await signedPost(PATH, sampleRequest({ spec: { mode: 'err' } })),
      env,
    );
    assert.equal(response.status, 422);
    const error = await errorOf(response);
    assert.equal(error.code, 'reconciler_error');
    assert.match(error.message, /default\/sample: spec\.mode is err: refusing on purpose/);
  });

  test('a trap is 500 reconciler_trap, and the next call gets a fresh instance', async () => {
    const { app, stats, lines } = setup();
    const trap = await app.request(
      PATH,
      await signedPost(PATH, sampleRequest({ spec: { mode: 'trap' } })),
      env,
    );
    assert.equal(trap.status, 500);
    assert.equal((await errorOf(trap)).code, 'reconciler_trap');
    const next = await app.request(PATH, await signedPost(PATH, sampleRequest()), env);
    assert.equal(next.status, 200);
    assert.equal(stats.instances, 2);
    const generations = lines.flatMap((l) => (l.msg === 'instantiate' ? [l.generation] : []));
    assert.deepEqual(generations, [1, 2]);
  });

  test('any non-payload throw is treated as a trap', async () => {
    const { app, stats } = setup();
    const response = await app.request(
      PATH,
      await signedPost(PATH, sampleRequest({ spec: { mode: 'throw' } })),
      env,
    );
    assert.equal(response.status, 500);
    const error = await errorOf(response);
    assert.equal(error.code, 'reconciler_trap');
    assert.match(error.message, /TypeError: not a payload/);
    await app.request(PATH, await signedPost(PATH, sampleRequest()), env);
    assert.equal(stats.instances, 2);
  });

  test('an answer that breaks the protocol is 502 invalid_answer and is not passed on', async () => {
    const { app } = setup();
    for (const mode of ['invalid', 'not-json']) {
      const response = await app.request(
        PATH,
        await signedPost(PATH, sampleRequest({ spec: { mode } })),
        env,
      );
      assert.equal(response.status, 502, mode);
      const body = (await response.json()) as Record<string, unknown>;
      assert.deepEqual(Object.keys(body), ['error'], 'only the error, never the answer');
      const error = ErrorBody.parse(body).error;
      assert.equal(error.code, 'invalid_answer');
      assert.match(
        error.message,
        mode === 'invalid' ? /desired\.0\.apiVersion/ : /desired\[0\] is not valid JSON/,
      );
    }
  });

  test('a component that cannot be instantiated is 500 internal, and is retried next time', async () => {
    const { app } = setup();
    for (let i = 0; i < 2; i++) {
      const response = await app.request(
        '/v1/reconcilers/broken/reconcile',
        await signedPost('/v1/reconcilers/broken/reconcile', sampleRequest()),
        env,
      );
      assert.equal(response.status, 500);
      const error = await errorOf(response);
      assert.equal(error.code, 'internal');
      assert.match(error.message, /instantiating reconciler "broken" failed \(core module missing\)/);
    }
  });

  test('writes one JSON log line per request with reconciler, primary, outcome and traceparent', async () => {
    const { app, lines } = setup();
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const init = await signedPost(PATH, sampleRequest({ spec: { mode: 'err' } }), {
      headers: { traceparent },
    });
    await app.request(PATH, init, env);
    const requests = lines.filter((l) => l.msg === 'request');
    assert.equal(requests.length, 1);
    const line = requests[0];
    assert.ok(line?.msg === 'request');
    assert.equal(line.reconciler, 'stand-in');
    assert.equal(line.primary, 'default/sample');
    assert.equal(line.outcome, 'reconciler_error');
    assert.equal(line.status, 422);
    assert.equal(line.traceparent, traceparent);
    assert.equal(typeof line.durationMs, 'number');
    assert.equal(typeof line.reconcileMs, 'number');
  });
});
