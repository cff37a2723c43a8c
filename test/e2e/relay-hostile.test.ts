// E2e: hostile answers (faulty fixture) against the real control plane: nothing adopted, nothing foreign deleted, answers bounded, nobody starved.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { OWNER_LABEL } from '../../relay/apply/ownership.ts';
import type { KObject } from '../../relay/kube/object.ts';
import { eventually } from '../support/kube.ts';
import type { RelayEnv } from '../support/relay-env.ts';
import { CONFIGMAP, FAULTY, FAULTY_RECONCILER, startRelayEnv } from '../support/relay-env.ts';
import { MSG_RECONCILED } from '../../relay/controller/reporter.ts';

let env: RelayEnv;
let good = 0;
before(async () => {
  env = await startRelayEnv({ name: 'hostile', reconcilers: [{ ...FAULTY_RECONCILER, concurrency: 4 }] });
});
after(async () => {
  await env.stop();
});

const faulty = (name: string, spec: Record<string, unknown>) =>
  env.kube.create({ ...FAULTY, metadata: { name, namespace: env.namespace }, spec });
const configMap = (name: string) => env.kube.get(CONFIGMAP.apiVersion, CONFIGMAP.kind, env.namespace, name);
const userConfigMap = (name: string, data: Record<string, string>) =>
  env.kube.create({ ...CONFIGMAP, metadata: { name, namespace: env.namespace }, data });

/** A well-behaved primary of the same Reconciler, created now, converges (its child appears). */
async function wellBehavedConverges(): Promise<void> {
  const name = `good-${String(good++)}`;
  const started = Date.now();
  await faulty(name, { mode: 'ok' });
  await eventually(`${name}'s child`, () => configMap(`${name}-faulty`), 20_000);
  console.log(`hostile: well-behaved ${name} converged in ${Date.now() - started} ms`);
}

test("an answer naming a user's object is refused (AdoptionRefused), the rest applied, and the object is never touched or pruned", async () => {
  const precious = await userConfigMap('precious', { keep: 'me' });
  const refusedBefore = await env.metric('zeroloop_adoptions_refused_total');
  await faulty('adopter', { mode: 'adopt', target: 'precious' });
  assert.match(
    await env.warning('adopter', 'AdoptionRefused'),
    /precious already exists and was not created by the relay/,
  );
  await eventually('the rest of the answer', () => configMap('adopter-faulty'));
  await wellBehavedConverges();
  // The answer stops naming it: a prune must not delete it either.
  await env.kube.patch(FAULTY.apiVersion, FAULTY.kind, env.namespace, 'adopter', { spec: { mode: 'ok' } });
  await eventually('a reconcile after the change', () =>
    Promise.resolve(
      env.logLines('adopter', MSG_RECONCILED).some((l) => l.trigger === 'primary' && l.refused === 0)
        ? true
        : undefined,
    ),
  );
  const after = await configMap('precious');
  assert.deepEqual(after?.data, { keep: 'me' });
  assert.equal(after.metadata.resourceVersion, precious.metadata.resourceVersion, 'never written');
  assert.ok((await env.metric('zeroloop_adoptions_refused_total')) > refusedBefore);
});

test("an answer naming a sibling primary's child is refused, and the child stays its owner's", async () => {
  const owner = await faulty('sibling-a', { mode: 'ok' });
  const child = await eventually('sibling-a-faulty', () => configMap('sibling-a-faulty'));
  await faulty('sibling-b', { mode: 'adopt', target: 'sibling-a-faulty' });
  assert.match(await env.warning('sibling-b', 'AdoptionRefused'), /stamped by zeroloop for owner/);
  await wellBehavedConverges();
  const after = await configMap('sibling-a-faulty');
  assert.equal(after?.metadata.resourceVersion, child.metadata.resourceVersion);
  assert.equal(after?.metadata.labels?.[OWNER_LABEL], owner.metadata.uid);
});

test('ownerReferences and zeroloop.dev/ labels in an answer are stripped and reported; the relay sets its own', async () => {
  const victim = await userConfigMap('victim', { v: '1' });
  const primary = await faulty('forger', {
    mode: 'foreign-owner',
    target: 'victim',
    targetUid: victim.metadata.uid,
  });
  assert.match(
    await env.warning('forger', 'OwnershipFieldsStripped'),
    /ownerReference ConfigMap\/victim.*label zeroloop\.dev\/owner/,
  );
  const child: KObject = await eventually('forger-faulty', () => configMap('forger-faulty'));
  assert.deepEqual(
    child.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.uid, r.controller]),
    [['Faulty', 'forger', primary.metadata.uid, true]],
    'only the controller reference the relay sets',
  );
  assert.equal(
    child.metadata.labels?.[OWNER_LABEL],
    primary.metadata.uid,
    'the forged owner label was replaced',
  );
  await wellBehavedConverges();
});

test('an answer with 5,000 Events records at most the cap, and says how many it dropped', async () => {
  await faulty('spammer', { mode: 'events', count: 5000 });
  assert.match(await env.warning('spammer', 'TooManyEvents'), /4990 more Events/);
  await wellBehavedConverges();
  const events = await env.kube.events(env.namespace, 'spammer');
  const spam = events.filter((e) => e.reason === 'Spam');
  console.log(`hostile: 5,000 Events asked, ${spam.length} recorded`);
  assert.ok(spam.length <= 10, `at most 10 recorded, got ${spam.length}`);
  assert.ok((await env.metric('zeroloop_events_dropped_total', { reason: 'answer_cap' })) >= 4990);
});

test('an answer over a limit (500 objects, a 20 MiB status) applies nothing and names the limit', async () => {
  await faulty('many', { mode: 'many', count: 500 });
  assert.match(
    await env.warning('many', 'AnswerLimitExceeded'),
    /maxDesiredObjects is 100, the answer has 500/,
  );
  assert.equal(await configMap('many-faulty-0'), undefined, 'nothing applied');
  const started = Date.now();
  await faulty('huge', { mode: 'huge', count: 20 * 1024 * 1024 });
  const message = await env.warning('huge', 'AnswerTooLarge');
  assert.match(message, /over spec\.limits\.maxAnswerBytes \(1048576 bytes/);
  console.log(`hostile: 20 MiB answer refused after ${Date.now() - started} ms: ${message.slice(0, 160)}`);
  assert.equal(await configMap('huge-faulty'), undefined, 'nothing applied');
  await wellBehavedConverges();
});

test('requeue-after 0 is raised to the minimum (1 s), not a hot loop', async () => {
  await faulty('hot', { mode: 'requeue', requeueAfterMs: 0 });
  await eventually('first reconcile of hot', () =>
    Promise.resolve(env.logLines('hot', MSG_RECONCILED).length > 0 ? true : undefined),
  );
  const start = env.logLines('hot', MSG_RECONCILED).length;
  await sleep(4000);
  const runs = env.logLines('hot', MSG_RECONCILED).length - start;
  console.log(`hostile: requeue-after 0 gave ${runs} reconciles in 4 s`);
  assert.ok(runs >= 2 && runs <= 5, `about one a second, got ${runs}`);
  assert.ok((await env.metric('zeroloop_requeue_after_clamped_total')) >= 1);
  await wellBehavedConverges();
  await env.kube.delete(FAULTY.apiVersion, FAULTY.kind, env.namespace, 'hot');
});

test('a reconciler that flips a label on every call is flagged as flapping and slowed down', async () => {
  await faulty('flapper', { mode: 'flap', requeueAfterMs: 0 });
  assert.match(await env.warning('flapper', 'Flapping'), /slowed down/);
  assert.equal(await env.metric('zeroloop_flapping_primaries'), 1);
  const condition = await eventually('the Reconciler Flapping condition', async () => {
    const reconciler = await env.kube.get(
      'zeroloop.dev/v1alpha1',
      'Reconciler',
      undefined,
      `${env.namespace}-faulty`,
    );
    const conditions = (
      reconciler?.status as { conditions?: { type: string; status: string; message: string }[] }
    ).conditions;
    return conditions?.find((c) => c.type === 'Flapping' && c.status === 'True');
  });
  assert.match(condition.message, /1 primaries flapping, slowed down: .*\/flapper/);
  const start = env.logLines('flapper', MSG_RECONCILED).length;
  await sleep(5000);
  const runs = env.logLines('flapper', MSG_RECONCILED).length - start;
  console.log(`hostile: flapping primary reconciled ${runs} times in the 5 s after it was flagged`);
  assert.ok(runs <= 3, `slowed below its 1 s requeue, got ${runs} in 5 s`);
  await wellBehavedConverges();
  await env.kube.delete(FAULTY.apiVersion, FAULTY.kind, env.namespace, 'flapper');
});
