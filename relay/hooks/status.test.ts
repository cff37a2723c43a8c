// Unit tests of the status.hooks writer against the in-memory apiserver: applied with its own field manager, once per change.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KObject } from '../kube/object.ts';
import { createLogger } from '../observe/log.ts';
import { FakeKube } from '../testing/fake-kube.ts';
import { HOOKS_FIELD_MANAGER, HookStatusWriter } from './status.ts';

const PATH = '/apis/zeroloop.dev/v1alpha1/reconcilers/website';
const log = createLogger({ write: () => undefined });

test('hook status should be applied once per change, under its own field manager', async () => {
  const kube = new FakeKube();
  const obj = KObject.parse(
    kube.put(PATH, {
      apiVersion: 'zeroloop.dev/v1alpha1',
      kind: 'Reconciler',
      metadata: { name: 'website' },
    }),
  );
  const writer = new HookStatusWriter({ client: kube, log });
  const entries = [{ name: 'git-push', path: `/hooks/c1/${'a'.repeat(64)}` }];
  await writer.write(obj, entries);
  await writer.write(obj, entries);
  const patches = kube.requests.filter((r) => r.method === 'PATCH');
  assert.equal(patches.length, 1);
  const [patch] = patches;
  assert.ok(patch);
  assert.equal(patch.path, `${PATH}/status`);
  assert.deepEqual(patch.query, { fieldManager: HOOKS_FIELD_MANAGER, force: true });
  assert.deepEqual((kube.objects.get(PATH)?.status as { hooks: unknown }).hooks, entries);
  // The object already says so (its watch event arrived): nothing to send.
  const fresh = new HookStatusWriter({ client: kube, log });
  await fresh.write(KObject.parse(kube.objects.get(PATH)), entries);
  assert.equal(kube.requests.filter((r) => r.method === 'PATCH').length, 1);
  await writer.write(obj, [{ name: 'git-push', message: 'Secret zeroloop-system/repo-hook not found' }]);
  assert.equal(kube.requests.filter((r) => r.method === 'PATCH').length, 2);
});
