// E2e (real control plane, the database component in workerd): a primary whose finalizer was added by someone else (an operator before the migration) still finalizes, and other owners' finalizers stay.
//
// The relay adds its finalizer with server-side apply under its own field manager; an object that
// already carries the name, added by another manager (here the test's create, as an earlier operator
// would have), is not the relay's in server-side apply's terms. Its removal is a tested JSON patch,
// so the deletion goes on once the reconciler says `finalized`.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually } from '../support/kube.ts';
import type { RelayEnv } from '../support/relay-env.ts';
import { DATABASE, DATABASE_RECONCILER, startRelayEnv, STATEFULSET } from '../support/relay-env.ts';

let env: RelayEnv;
before(async () => {
  env = await startRelayEnv({ name: 'finmig', reconcilers: [DATABASE_RECONCILER] });
});
after(async () => {
  await env.stop();
});

const FINALIZER = 'zeroloop.dev/database';
const OTHER = 'example.com/keep';
const get = () => env.kube.get(DATABASE.apiVersion, DATABASE.kind, env.namespace, 'legacy');

test('a Database created with the finalizer by another manager finalizes, and keeps the other owner’s finalizer', async () => {
  await env.kube.create({
    ...DATABASE,
    metadata: { name: 'legacy', namespace: env.namespace, finalizers: [OTHER, FINALIZER] },
    spec: { members: 1 },
  });
  await eventually('StatefulSet legacy', () =>
    env.kube.get(STATEFULSET.apiVersion, STATEFULSET.kind, env.namespace, 'legacy'),
  );
  assert.deepEqual((await get())?.metadata.finalizers, [OTHER, FINALIZER], 'held once, not added again');

  await env.kube.delete(DATABASE.apiVersion, DATABASE.kind, env.namespace, 'legacy');
  const held = await eventually(
    'the relay’s finalizer removed',
    async () => {
      const db = await get();
      return db && !db.metadata.finalizers?.includes(FINALIZER) ? db : undefined;
    },
    60_000,
  );
  assert.ok(held.metadata.deletionTimestamp, 'still being deleted');
  assert.deepEqual(held.metadata.finalizers, [OTHER], 'the other owner’s finalizer stays');
  assert.equal(
    await env.kube.get(STATEFULSET.apiVersion, STATEFULSET.kind, env.namespace, 'legacy'),
    undefined,
    'removed only after the teardown',
  );
  await env.kube.patch(DATABASE.apiVersion, DATABASE.kind, env.namespace, 'legacy', {
    metadata: { finalizers: null },
  });
  await eventually('Database legacy gone', async () => ((await get()) === undefined ? true : undefined));
});
