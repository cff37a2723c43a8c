// Key rotation in REAL workerd, under steady traffic: k1 → k1+k2 → relay moves to k2 → k2 only; no request fails.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ErrorBody } from '../../src/protocol/errors.ts';
import { startWorker, type RunningWorker } from '../testing/harness.ts';
import { sampleRequest, signedPost } from '../testing/requests.ts';

const FAULTY = '/v1/reconcilers/faulty/reconcile';
const K1 = { id: 'k1', secret: 'rotation-secret-one', cluster: 'blue' };
const K2 = { id: 'k2', secret: 'rotation-secret-two', cluster: 'blue' };
type Key = typeof K1;

function signingKeys(...keys: Key[]): Record<string, string> {
  const json = Object.fromEntries(keys.map((k) => [k.id, { secret: k.secret, cluster: k.cluster }]));
  return { SIGNING_KEYS: JSON.stringify(json), SIGNING_SECRET: '' };
}

let worker: RunningWorker;

before(async () => {
  worker = await startWorker(undefined, signingKeys(K1));
});
after(async () => {
  await worker.close();
});

async function send(key: Key, name: string): Promise<Response> {
  const init = await signedPost(FAULTY, sampleRequest({ name, spec: { mode: 'ok' } }), {
    keyId: key.id,
    secret: key.secret,
  });
  return worker.fetch(FAULTY, init);
}

/** A relay stand-in: a few senders, one request after another each, with whatever key it holds now. */
function steadyTraffic(keyOf: () => Key, senders = 3) {
  const failures: string[] = [];
  const spans: [number, number][] = [];
  let stopped = false;
  const sender = async (id: number) => {
    for (let i = 0; !stopped; i++) {
      const key = keyOf();
      const started = performance.now();
      const response = await send(key, `steady-${id}-${i}`);
      spans.push([started, performance.now()]);
      if (response.status !== 200) failures.push(`${key.id}: ${response.status} ${await response.text()}`);
      else await response.body?.cancel();
    }
  };
  const done = Promise.all(Array.from({ length: senders }, (_, id) => sender(id)));
  return {
    stop: async () => {
      stopped = true;
      await done;
      return { spans, failures };
    },
  };
}

/** Runs `reload` and returns when it ran, to count the requests that overlapped it. */
async function timed(reload: () => Promise<void>): Promise<[number, number]> {
  const started = performance.now();
  await reload();
  return [started, performance.now()];
}

test('rotating k1 to k2: both accepted while both are held, k1 refused once removed, nothing fails on the way', async (t) => {
  let relayKey = K1;
  const traffic = steadyTraffic(() => relayKey);

  // 1. The worker holds k1; the relay signs with k1.
  assert.equal((await send(K1, 'k1-only')).status, 200);

  // 2. Add k2 (a new deployment): both are accepted.
  const addK2 = await timed(() => worker.setSecrets(signingKeys(K1, K2)));
  assert.equal((await send(K1, 'both-k1')).status, 200);
  assert.equal((await send(K2, 'both-k2')).status, 200);

  // 3. The relay moves to k2 (its Secret's keyId and secret change).
  relayKey = K2;
  assert.equal((await send(K2, 'moved')).status, 200);

  // 4. Remove k1: k2 still passes, k1 is refused.
  const removeK1 = await timed(() => worker.setSecrets(signingKeys(K2)));
  assert.equal((await send(K2, 'k2-only')).status, 200);
  const old = await send(K1, 'k1-removed');
  assert.equal(old.status, 401);
  const { error } = ErrorBody.parse(await old.json());
  assert.equal(error.code, 'unauthorized');
  assert.match(error.message, /unknown key id "k1"/);

  const { spans, failures } = await traffic.stop();
  assert.deepEqual(failures, [], `none of the ${spans.length} requests of the steady traffic failed`);
  t.diagnostic(`steady traffic: ${spans.length} requests, none failed`);
  for (const [name, [from, to]] of [
    ['adding k2', addK2],
    ['removing k1', removeK1],
  ] as const) {
    const overlapping = spans.filter(([start, end]) => start < to && end > from).length;
    assert.ok(overlapping > 0, `requests were in flight while ${name}`);
    t.diagnostic(`${name}: reload took ${Math.round(to - from)} ms, ${overlapping} requests overlapped it`);
  }

  const clusters = new Set(
    worker
      .logLines()
      .filter((l) => l.msg === 'request' && l.status === 200)
      .map((l) => `${String(l.keyId)}/${String(l.cluster)}`),
  );
  assert.ok(clusters.has('k2/blue'), [...clusters].join());
});
