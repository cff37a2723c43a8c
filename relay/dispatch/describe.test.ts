// Tests of reading a reconciler's descriptor from a real worker in workerd (the test worker: the examples and fixtures): found, not found, a wrong key, another protocol, no worker.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { RunningWorker } from '../../worker/testing/harness.ts';
import { OTHER_PROTOCOL_CONFIG, startWorker } from '../../worker/testing/harness.ts';
import { TEST_SECRET } from '../../worker/testing/requests.ts';
import { DescribeFailed, describeReconciler } from './describe.ts';

let worker: RunningWorker;
before(async () => {
  worker = await startWorker();
});
after(async () => {
  await worker.close();
});

const target = (reconciler: string, endpoint = worker.url.toString()) => ({
  reconciler,
  endpoint,
  signingKey: TEST_SECRET,
  timeoutMs: 10_000,
});

async function failure(promise: Promise<unknown>): Promise<DescribeFailed> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DescribeFailed) return error;
    throw error;
  }
  assert.fail('the descriptor was read');
}

test('describe should read a reconciler’s descriptor from the worker, its config schema included', async () => {
  const website = await describeReconciler(target('website'));
  assert.equal(website.name, 'website');
  assert.equal(website.primary.kind, 'Website');
  assert.equal(website.configSchema?.type, 'object', 'the website example declares a config schema');
  const database = await describeReconciler(target('database'));
  assert.equal(database.finalizer, true);
});

test('describe should say which reconcilers the worker runs when the name is not one of them', async () => {
  const missing = await failure(describeReconciler(target('no-such-reconciler')));
  assert.equal(missing.reason, 'ReconcilerNotFound');
  assert.match(missing.message, /runs no reconciler named no-such-reconciler \(it runs: .*website.*\)/);
});

test('describe should refuse with RequestRejected when the signing key is not the worker’s', async () => {
  const rejected = await failure(describeReconciler({ ...target('website'), signingKey: 'not-the-key' }));
  assert.equal(rejected.reason, 'RequestRejected');
  assert.match(rejected.message, /answered 401.*check the signing Secret/);
});

test('describe should name both versions when the worker speaks another protocol, and fail visibly with no worker', async () => {
  const other = await startWorker(OTHER_PROTOCOL_CONFIG);
  try {
    const incompatible = await failure(describeReconciler(target('website', other.url.toString())));
    assert.equal(incompatible.reason, 'IncompatibleWorker');
    assert.match(incompatible.message, /speaks zeroloop protocol \d+, this relay speaks protocol \d+/);
  } finally {
    await other.close();
  }
  const gone = await failure(describeReconciler(target('website', 'http://127.0.0.1:9')));
  assert.equal(gone.reason, 'WorkerUnavailable');
  assert.match(gone.message, /GET http:\/\/127\.0\.0\.1:9\/v1\/reconcilers failed/);
});
