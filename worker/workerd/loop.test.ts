// What a looping reconciler does to local workerd: the `[limits] cpu_ms` of wrangler.toml is NOT enforced here.
//
// Findings (workerd 1.20261117 via wrangler 4.164 / Miniflare 5), which these tests pin down so a change shows:
// - A reconcile that burns ~10x the configured cpu_ms (50 ms) still answers 200: no local CPU limit.
// - An endless loop never answers, and it blocks the isolate: /healthz on the same worker stops answering
//   too. Only stopping workerd ends it. In production Cloudflare ends the invocation at the CPU limit
//   (error 1102) and the relay sees a 5xx; locally the relay must rely on its own request timeout.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startWorker, type RunningWorker } from '../testing/harness.ts';
import { sampleRequest, signedPost } from '../testing/requests.ts';

const FAULTY = '/v1/reconcilers/faulty/reconcile';
const CPU_MS = 50; // worker/testing/wrangler.toml [limits] cpu_ms
let worker: RunningWorker;

before(async () => {
  worker = await startWorker();
});
after(async () => {
  await worker.close();
});

function reconcileMs(response: Response): number {
  const match = /reconcile;dur=([\d.]+)/.exec(response.headers.get('server-timing') ?? '');
  assert.ok(match?.[1], 'Server-Timing has the reconcile time');
  return Number(match[1]);
}

test('a long bounded loop runs past cpu_ms and still answers 200 (no local CPU limit)', async () => {
  const request = sampleRequest({ spec: { mode: 'loop', iterations: 20_000_000 } });
  const response = await worker.fetch(FAULTY, await signedPost(FAULTY, request));
  assert.equal(response.status, 200);
  const ms = reconcileMs(response);
  assert.ok(ms > CPU_MS * 4, `the loop ran ${ms} ms, well past cpu_ms = ${CPU_MS}`);
});

test('an endless loop never answers and blocks the isolate until workerd stops', async () => {
  const endless = worker.fetch(FAULTY, {
    ...(await signedPost(FAULTY, sampleRequest({ spec: { mode: 'loop' } }))),
    signal: AbortSignal.timeout(3000),
  });
  await assert.rejects(endless, { name: 'TimeoutError' }, 'no answer within 3 s');
  const health = worker.fetch('/healthz', { signal: AbortSignal.timeout(2000) });
  await assert.rejects(health, { name: 'TimeoutError' }, 'the same isolate cannot serve anything else');
  const started = performance.now();
  await worker.close();
  assert.ok(performance.now() - started < 10_000, 'closing workerd ends the loop');
});
