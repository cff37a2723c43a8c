// Unit tests of the Reconciler's status: Ready and Flapping conditions, written only when they change, transition times kept, the ready series, and a follower writing nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Leadership } from '../election/leadership.ts';
import type { KObject } from '../kube/object.ts';
import { createLogger } from '../observe/log.ts';
import { relayMetrics } from '../observe/metrics.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { FakeKube } from '../testing/fake-kube.ts';
import { ReconcilerConditions, reconcilerStatus } from './status.ts';

const NOW = Date.parse('2026-12-07T12:00:00Z');
const running = { ready: 'True' as const, reason: 'Running', message: 'reconciling Website' };

function reconciler(status?: unknown, generation = 2): KObject {
  return {
    apiVersion: 'zeroloop.dev/v1alpha1',
    kind: 'Reconciler',
    metadata: { name: 'websites', generation },
    ...(status !== undefined && { status }),
  };
}

test('reconcilerStatus should set Ready and a stable Flapping condition with the generation it saw', () => {
  const status = reconcilerStatus(reconciler(), running, [], NOW);
  assert.deepEqual(status, {
    observedGeneration: 2,
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        reason: 'Running',
        message: 'reconciling Website',
        lastTransitionTime: '2026-12-07T12:00:00Z',
      },
      {
        type: 'Flapping',
        status: 'False',
        reason: 'Stable',
        message: 'no primary is flapping',
        lastTransitionTime: '2026-12-07T12:00:00Z',
      },
    ],
  });
});

test('reconcilerStatus should write nothing when the status already says so for this generation', () => {
  const status = reconcilerStatus(reconciler(), running, [], NOW);
  assert.equal(reconcilerStatus(reconciler(status), running, [], NOW + 60_000), undefined);
  assert.ok(
    reconcilerStatus(reconciler(status, 3), running, [], NOW + 60_000),
    'a new generation is observed',
  );
});

test('reconcilerStatus should keep a condition’s transition time while its status stays, and name at most five flapping primaries', () => {
  const before = reconcilerStatus(reconciler(), running, [], NOW);
  const keys = ['d/a', 'd/b', 'd/c', 'd/d', 'd/e', 'd/f'];
  const after = reconcilerStatus(reconciler(before), { ...running, message: 'changed' }, keys, NOW + 60_000);
  const [ready, flapping] = after?.conditions ?? [];
  assert.ok(ready && flapping);
  assert.equal(ready.lastTransitionTime, '2026-12-07T12:00:00Z', 'Ready stayed True');
  assert.equal(ready.message, 'changed');
  assert.equal(flapping.status, 'True');
  assert.equal(flapping.lastTransitionTime, '2026-12-07T12:01:00Z');
  assert.equal(flapping.message, '6 primaries flapping, slowed down: d/a, d/b, d/c, d/d, d/e, …');
});

function conditions(leading: boolean) {
  const kube = new FakeKube();
  const metrics = relayMetrics();
  const leadership = { leading } as Leadership;
  const c = new ReconcilerConditions({
    client: kube,
    metrics,
    leadership,
    clock: new FakeClock(NOW),
    log: createLogger({ write: () => undefined }),
  });
  return { kube, metrics, c };
}

test('ReconcilerConditions should apply the status once, and move the ready series to the new reason', async () => {
  const { kube, metrics, c } = conditions(true);
  await c.set(reconciler(), { ready: 'False', reason: 'SigningSecretUnavailable', message: 'no Secret' });
  await c.set(reconciler(), running);
  const patches = kube.requests.filter((r) => r.method === 'PATCH');
  assert.equal(patches.length, 2);
  const [first] = patches;
  assert.ok(first);
  assert.equal(first.path, '/apis/zeroloop.dev/v1alpha1/reconcilers/websites/status');
  assert.deepEqual(first.query, { fieldManager: 'zeroloop/relay', force: true });
  assert.equal(await metrics.reconcilerReady.get({ reconciler: 'websites', reason: 'Running' }), 1);
  const text = await metrics.registry.render();
  assert.doesNotMatch(text, /reason="SigningSecretUnavailable"/, 'the old reason’s series is removed');
  await c.flapping(reconciler(), 'websites', ['d/a']);
  const last = kube.requests.at(-1)?.body as { status: { conditions: { type: string; status: string }[] } };
  assert.deepEqual(
    last.status.conditions.map((x) => [x.type, x.status]),
    [
      ['Ready', 'True'],
      ['Flapping', 'True'],
    ],
  );
});

test('ReconcilerConditions should write nothing as a follower, but keep the ready series', async () => {
  const { kube, metrics, c } = conditions(false);
  await c.set(reconciler(), running);
  assert.equal(kube.requests.length, 0);
  assert.equal(await metrics.reconcilerReady.get({ reconciler: 'websites', reason: 'Running' }), 1);
  assert.deepEqual(c.ready('websites'), running);
  c.forget('websites');
  assert.equal(c.ready('websites'), undefined);
});
