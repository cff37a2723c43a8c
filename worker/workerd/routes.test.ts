// The worker in REAL workerd (wrangler build, real jco components incl. the `faulty` fixture): every route and error code.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ErrorBody, type ErrorCode } from '../../src/protocol/errors.ts';
import { MAX_BODY_BYTES, MAX_JSON_DEPTH } from '../../src/protocol/routes.ts';
import { DescriptorList, ReconcileResponse } from '../../src/protocol/schemas.ts';
import { startWorker, type RunningWorker } from '../testing/harness.ts';
import { configMaps, nestedBody, sampleRequest, signedGet, signedPost } from '../testing/requests.ts';

const FAULTY = '/v1/reconcilers/faulty/reconcile';
let worker: RunningWorker;

before(async () => {
  worker = await startWorker();
});
after(async () => {
  await worker.close();
});

async function expectError(response: Response, status: number, code: ErrorCode): Promise<string> {
  const text = await response.text();
  assert.equal(response.status, status, text);
  assert.match(response.headers.get('content-type') ?? '', /application\/json/);
  const { error } = ErrorBody.parse(JSON.parse(text));
  assert.equal(error.code, code);
  return error.message;
}

function faulty(spec: Record<string, unknown>, name = 'sample') {
  return sampleRequest({ name, spec });
}

/** The instantiations of `reconciler` the worker logged since the last clearLogs. */
function instantiations(reconciler: string): number[] {
  return worker
    .logLines()
    .filter((l) => l.msg === 'instantiate' && l.reconciler === reconciler)
    .map((l) => Number(l.generation));
}

describe('worker in workerd: cold start', () => {
  // Runs first, while no component is instantiated in this isolate yet.
  test('20 concurrent first requests to one reconciler instantiate it exactly once', async () => {
    const requests = Array.from({ length: 20 }, (_, i) => faulty({ mode: 'echo' }, `cold-${i}`));
    const responses = await Promise.all(
      requests.map(async (r) => worker.fetch(FAULTY, await signedPost(FAULTY, r))),
    );
    for (const [i, response] of responses.entries()) {
      assert.equal(response.status, 200);
      assert.equal(
        ReconcileResponse.parse(await response.json()).desired[0]?.metadata.name,
        `cold-${i}-faulty`,
      );
    }
    assert.deepEqual(instantiations('faulty'), [1]);
  });
});

describe('worker in workerd: routes', () => {
  test('GET /healthz answers ok, unsigned', async () => {
    const response = await worker.fetch('/healthz');
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok' });
  });

  test('GET /v1/reconcilers lists every component descriptor, validated', async () => {
    const response = await worker.fetch('/v1/reconcilers', await signedGet());
    assert.equal(response.status, 200);
    const { reconcilers } = DescriptorList.parse(await response.json());
    const names = reconcilers.map((d) => d.name);
    assert.ok(names.includes('faulty'), names.join());
    assert.ok(names.includes('website'), names.join());
    assert.ok(names.includes('database'), names.join());
    const faultyDescriptor = reconcilers.find((d) => d.name === 'faulty');
    assert.deepEqual(faultyDescriptor?.primary, { apiVersion: 'test.zeroloop.dev/v1', kind: 'Faulty' });
  });

  test('POST reconcile returns the component answer with Server-Timing and a log line', async () => {
    worker.clearLogs();
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const request = faulty({ mode: 'echo' }, 'echoed');
    request.owned = configMaps('own', 2);
    const response = await worker.fetch(
      FAULTY,
      await signedPost(FAULTY, request, { headers: { traceparent } }),
    );
    assert.equal(response.status, 200);
    const body = ReconcileResponse.parse(await response.json());
    assert.equal(body.desired[0]?.metadata.name, 'echoed-faulty');
    assert.deepEqual(body.status?.owned, ['own-0', 'own-1']);
    assert.match(response.headers.get('server-timing') ?? '', /reconcile;dur=\d+(\.\d+)?, total;dur=/);
    const lines = worker.logLines().filter((l) => l.msg === 'request');
    assert.equal(lines.length, 1);
    const [line] = lines;
    assert.ok(line);
    assert.equal(line.reconciler, 'faulty');
    assert.equal(line.cluster, 'default', 'SIGNING_SECRET signs as key `default` for cluster `default`');
    assert.equal(line.keyId, 'default');
    assert.equal(line.primary, 'default/echoed');
    assert.equal(line.outcome, 'ok');
    assert.equal(line.traceparent, traceparent);
    assert.equal(typeof line.durationMs, 'number');
  });
});

describe('worker in workerd: error codes, one request each', () => {
  test('400 bad_request: body is not JSON', async () => {
    const message = await expectError(
      await worker.fetch(FAULTY, await signedPost(FAULTY, '{"primary":')),
      400,
      'bad_request',
    );
    assert.match(message, /not JSON/);
  });

  test('400 bad_request: request breaks the schema, naming the field', async () => {
    const request = { ...faulty({ mode: 'ok' }), finalizing: 'yes' };
    const message = await expectError(
      await worker.fetch(FAULTY, await signedPost(FAULTY, request)),
      400,
      'bad_request',
    );
    assert.match(message, /finalizing/);
  });

  test('400 number_out_of_range: 1e400 is refused naming the field, and no component runs', async () => {
    worker.clearLogs();
    const body = JSON.stringify(faulty({ mode: 'ok', size: 1 }, 'infinite')).replace(
      '"size":1',
      '"size":1e400',
    );
    const message = await expectError(
      await worker.fetch(FAULTY, await signedPost(FAULTY, body)),
      400,
      'number_out_of_range',
    );
    assert.match(message, /at primary\.spec\.size \(1e400\)/);
    const line = worker.logLines().find((l) => l.msg === 'request');
    assert.equal(line?.reconcileMs, undefined, 'the component was not called');
  });

  test('400 nesting_too_deep: 10,000 levels are refused before the component; at the limit the component answers', async () => {
    worker.clearLogs();
    const message = await expectError(
      await worker.fetch(FAULTY, await signedPost(FAULTY, nestedBody(10_000))),
      400,
      'nesting_too_deep',
    );
    assert.match(message, new RegExp(`deeper than ${MAX_JSON_DEPTH} levels`));
    const atLimit = await worker.fetch(FAULTY, await signedPost(FAULTY, nestedBody(MAX_JSON_DEPTH)));
    assert.equal(atLimit.status, 200, await atLimit.clone().text());
    assert.deepEqual(instantiations('faulty'), [], 'no trap, no rebuild');
  });

  test('401 unauthorized: unsigned', async () => {
    const body = JSON.stringify(faulty({ mode: 'ok' }));
    await expectError(await worker.fetch(FAULTY, { method: 'POST', body }), 401, 'unauthorized');
  });

  test('401 unauthorized: forged', async () => {
    await expectError(
      await worker.fetch(FAULTY, await signedPost(FAULTY, faulty({}), { secret: 'not-the-secret' })),
      401,
      'unauthorized',
    );
  });

  test('401 unauthorized: stale', async () => {
    const init = await signedPost(FAULTY, faulty({}), { nowSeconds: Math.floor(Date.now() / 1000) - 3600 });
    const message = await expectError(await worker.fetch(FAULTY, init), 401, 'unauthorized');
    assert.match(message, /stale/);
  });

  test('401 unauthorized: a body signed for another reconciler’s route', async () => {
    worker.clearLogs();
    const forWebsite = await signedPost('/v1/reconcilers/website/reconcile', faulty({ mode: 'ok' }));
    const message = await expectError(await worker.fetch(FAULTY, forWebsite), 401, 'unauthorized');
    assert.match(message, /forged/);
    assert.deepEqual(instantiations('faulty'), []);
  });

  test('401 unauthorized: the same signed request replayed', async () => {
    const init = await signedPost(FAULTY, faulty({ mode: 'ok' }, 'replayed'));
    assert.equal((await worker.fetch(FAULTY, init)).status, 200);
    const message = await expectError(await worker.fetch(FAULTY, init), 401, 'unauthorized');
    assert.match(message, /replayed/);
  });

  test('401 runs nothing: a signed-wrong trap request does not poison the instance', async () => {
    worker.clearLogs();
    await expectError(
      await worker.fetch(FAULTY, await signedPost(FAULTY, faulty({ mode: 'trap' }), { secret: 'x' })),
      401,
      'unauthorized',
    );
    const ok = await worker.fetch(FAULTY, await signedPost(FAULTY, faulty({ mode: 'ok' })));
    assert.equal(ok.status, 200);
    assert.deepEqual(instantiations('faulty'), [], 'no rebuild: the trap never ran');
  });

  test('404 not_found: unknown reconciler', async () => {
    const message = await expectError(
      await worker.fetch(
        '/v1/reconcilers/nope/reconcile',
        await signedPost('/v1/reconcilers/nope/reconcile', faulty({})),
      ),
      404,
      'not_found',
    );
    assert.match(message, /unknown reconciler "nope"/);
  });

  test('404 not_found: unknown route', async () => {
    await expectError(await worker.fetch('/v2/anything'), 404, 'not_found');
  });

  test('413 payload_too_large: Content-Length over the limit', async () => {
    const body = 'x'.repeat(MAX_BODY_BYTES + 1);
    const message = await expectError(
      await worker.fetch(FAULTY, { method: 'POST', body }),
      413,
      'payload_too_large',
    );
    assert.match(message, new RegExp(`is ${MAX_BODY_BYTES + 1} bytes`), 'refused on the declared length');
  });

  test('413 payload_too_large: streamed over the limit without Content-Length (real HTTP)', async () => {
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > MAX_BODY_BYTES) {
          controller.close();
          return;
        }
        controller.enqueue(chunk);
        sent += chunk.byteLength;
      },
    });
    const init: RequestInit & { duplex: 'half' } = { method: 'POST', body, duplex: 'half' };
    const response = await fetch(new URL(FAULTY, worker.url), init);
    const message = await expectError(response, 413, 'payload_too_large');
    assert.match(message, /is more than \d+ bytes/, 'refused by counting, not by a declared length');
  });

  test('422 reconciler_error: carries the reconciler message', async () => {
    const message = await expectError(
      await worker.fetch(FAULTY, await signedPost(FAULTY, faulty({ mode: 'err' }, 'refused'))),
      422,
      'reconciler_error',
    );
    assert.match(message, /faulty: mode err for default\/refused/);
  });

  test('500 reconciler_trap, then the next call works on a rebuilt instance', async () => {
    worker.clearLogs();
    const message = await expectError(
      await worker.fetch(FAULTY, await signedPost(FAULTY, faulty({ mode: 'trap' }))),
      500,
      'reconciler_trap',
    );
    assert.match(message, /RuntimeError/);
    const next = await worker.fetch(FAULTY, await signedPost(FAULTY, faulty({ mode: 'ok' })));
    assert.equal(next.status, 200, await next.clone().text());
    ReconcileResponse.parse(await next.json());
    const generations = instantiations('faulty');
    assert.equal(generations.length, 1, 'exactly one rebuild');
    assert.ok((generations[0] ?? 0) >= 2, `a later generation: ${generations.join()}`);
  });

  test('500 reconciler_trap: a host stack overflow (not a wasm trap) is handled the same way', async () => {
    await expectError(
      await worker.fetch(FAULTY, await signedPost(FAULTY, faulty({ mode: 'overflow' }))),
      500,
      'reconciler_trap',
    );
    assert.equal((await worker.fetch(FAULTY, await signedPost(FAULTY, faulty({ mode: 'ok' })))).status, 200);
  });

  for (const invalid of ['not-json', 'not-object', 'status-not-json']) {
    test(`502 invalid_answer: a component answer that breaks the protocol (${invalid}) is not passed on`, async () => {
      const response = await worker.fetch(
        FAULTY,
        await signedPost(FAULTY, faulty({ mode: 'invalid', invalid })),
      );
      const text = await response.clone().text();
      const message = await expectError(response, 502, 'invalid_answer');
      assert.match(message, /breaks the protocol/);
      assert.doesNotMatch(text, /hello/, 'no part of the answer leaks');
    });
  }
});

describe('worker in workerd: concurrency', () => {
  test('100 concurrent requests each get their own answer from one instance', async () => {
    worker.clearLogs();
    const requests = Array.from({ length: 100 }, (_, i) => {
      const request = faulty({ mode: 'echo' }, `concurrent-${i}`);
      request.owned = configMaps(`own${i}`, i % 5);
      return request;
    });
    const responses = await Promise.all(
      requests.map(async (r) => worker.fetch(FAULTY, await signedPost(FAULTY, r))),
    );
    for (const [i, response] of responses.entries()) {
      assert.equal(response.status, 200);
      const body = ReconcileResponse.parse(await response.json());
      assert.equal(body.desired[0]?.metadata.name, `concurrent-${i}-faulty`);
      assert.equal((body.status?.owned as unknown[]).length, i % 5);
    }
    assert.deepEqual(instantiations('faulty'), [], 'served by the instance already built');
    assert.equal(worker.logLines().filter((l) => l.msg === 'request').length, 100);
  });
});
