// Go components in REAL workerd (wrangler build): website-go answers like website, and a Go panic is a 500 that drops the instance.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ErrorBody } from '../../src/protocol/errors.ts';
import { ReconcileResponse, type ReconcileRequest } from '../../src/protocol/schemas.ts';
import { startWorker, type RunningWorker } from '../testing/harness.ts';
import { websiteRequest } from '../testing/realistic.ts';
import { sampleRequest, signedPost } from '../testing/requests.ts';
import { forWebsiteGo } from '../testing/website-go.ts';

const FAULTY_GO = '/v1/reconcilers/faulty-go/reconcile';
let worker: RunningWorker;

before(async () => {
  worker = await startWorker();
});
after(async () => {
  await worker.close();
});

async function post(path: string, request: unknown): Promise<Response> {
  return worker.fetch(path, await signedPost(path, request));
}

function faultyGo(mode: string, name = 'sample'): ReconcileRequest {
  return sampleRequest({ kind: 'FaultyGo', name, spec: { mode } });
}

function instantiations(reconciler: string): number[] {
  return worker
    .logLines()
    .filter((l) => l.msg === 'instantiate' && l.reconciler === reconciler)
    .map((l) => Number(l.generation));
}

describe('Go components in workerd', () => {
  test('website-go answers the realistic website request exactly as website does', async () => {
    const request = websiteRequest();
    const ts = await post('/v1/reconcilers/website/reconcile', request);
    const go = await post('/v1/reconcilers/website-go/reconcile', forWebsiteGo(request));
    assert.equal(ts.status, 200, await ts.clone().text());
    assert.equal(go.status, 200, await go.clone().text());
    const want = ReconcileResponse.parse(await ts.json());
    const got = ReconcileResponse.parse(await go.json());
    assert.deepEqual(got, want);
    assert.equal(got.desired.length, 3);
  });

  test('a returned error is 422 reconciler_error', async () => {
    const response = await post(FAULTY_GO, faultyGo('err', 'refused'));
    const text = await response.text();
    assert.equal(response.status, 422, text);
    const { error } = ErrorBody.parse(JSON.parse(text));
    assert.equal(error.code, 'reconciler_error');
    assert.match(error.message, /faulty-go: mode err for default\/refused/);
  });

  test('a Go panic is 500 reconciler_trap, and the next call runs on a fresh instance', async () => {
    const first = await post(FAULTY_GO, faultyGo('ok'));
    assert.equal(first.status, 200, await first.clone().text());
    worker.clearLogs();
    const trapped = await post(FAULTY_GO, faultyGo('panic'));
    const text = await trapped.text();
    assert.equal(trapped.status, 500, text);
    const { error } = ErrorBody.parse(JSON.parse(text));
    assert.equal(error.code, 'reconciler_trap');
    assert.match(error.message, /RuntimeError/);
    const next = await post(FAULTY_GO, faultyGo('ok'));
    assert.equal(next.status, 200, await next.clone().text());
    const body = ReconcileResponse.parse(await next.json());
    assert.equal(body.status?.calls, 1, 'the fresh instance has answered only this call');
    const generations = instantiations('faulty-go');
    assert.equal(generations.length, 1, `exactly one rebuild: ${generations.join()}`);
    assert.ok((generations[0] ?? 0) >= 2, `a later generation: ${generations.join()}`);
  });
});
