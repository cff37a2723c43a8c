// E2e: the relay's reconcile observers (Manager.onReconcile) against the real worker in workerd: what a success and a failure carry.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ReconcileRecord } from '../../relay/controller/controller.ts';
import { eventually } from '../support/kube.ts';
import type { RelayEnv } from '../support/relay-env.ts';
import { CONFIGMAP, FAULTY, FAULTY_RECONCILER, startRelayEnv } from '../support/relay-env.ts';
import { MSG_UNEXPECTED_FAILURE } from '../../relay/controller/controller.ts';
import { MSG_OBSERVER_FAILED, MSG_RECONCILE_FAILED } from '../../relay/controller/reporter.ts';

let env: RelayEnv;
const records: ReconcileRecord[] = [];
before(async () => {
  env = await startRelayEnv({ name: 'observers', reconcilers: [FAULTY_RECONCILER] });
  env.relay.manager.onReconcile.add((r) => records.push(r));
});
after(async () => {
  await env.stop();
});

const faulty = (name: string, spec: Record<string, unknown>) => ({
  ...FAULTY,
  metadata: { name, namespace: env.namespace },
  spec,
});

function recordOf(name: string, result: string): Promise<ReconcileRecord> {
  return eventually(`a ${result} record for ${name}`, () =>
    Promise.resolve(records.find((r) => r.key === `${env.namespace}/${name}` && r.result === result)),
  );
}

test('a successful reconcile hands observers its request, answer, writes, Events and timings', async () => {
  const startedAfter = Date.now();
  await env.kube.create(faulty('seen', { mode: 'events', count: 2 }));
  const r = await recordOf('seen', 'success');
  assert.equal(r.reconciler, `${env.namespace}-faulty`);
  assert.deepEqual(r.trigger, { type: 'primary' });
  assert.ok(r.startedAt >= startedAfter && r.startedAt <= Date.now());
  assert.ok(r.durationMs > 0 && r.phasesMs.worker !== undefined);
  assert.equal(r.calls.length, 1);
  assert.equal(r.calls[0]?.request.primary.metadata.name, 'seen');
  assert.deepEqual(r.calls[0].request.owned, []);
  assert.deepEqual(
    r.calls[0].answer?.desired.map((d) => `${d.kind} ${d.metadata.name}`),
    ['ConfigMap seen-faulty'],
  );
  assert.equal(r.request, r.calls[0].request, 'request and answer are the last call’s');
  assert.equal(r.answer, r.calls[0].answer);
  // It wrote a child, so its status is owed (relay README, Guarantees): the next reconcile, woken by
  // the debt with the written child as trigger, sees the child and writes the status.
  assert.deepEqual(
    { applied: r.applied, pruned: r.pruned, statusWritten: r.statusWritten },
    { applied: 1, pruned: 0, statusWritten: false },
  );
  const paid = await eventually('the reconcile that pays the status', () =>
    Promise.resolve(records.find((x) => x.key === r.key && x.statusWritten)),
  );
  assert.deepEqual(paid.trigger, {
    type: 'owned',
    ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: env.namespace, name: 'seen-faulty' },
  });
  assert.deepEqual(
    paid.calls[0]?.request.owned.map((o) => `${o.kind} ${o.metadata.name}`),
    ['ConfigMap seen-faulty'],
  );
  assert.deepEqual(
    r.events.map((e) => `${e.type} ${e.reason} ${e.message}`),
    ['Normal Spam event 0', 'Normal Spam event 1'],
  );
  assert.equal(r.error, undefined);
});

test('a failed reconcile hands observers the request, no answer, the Warning and the error the log line has', async () => {
  await env.kube.create(faulty('refused', { mode: 'err' }));
  const r = await recordOf('refused', 'reconciler_error');
  assert.equal(r.calls.length, 1);
  assert.equal(r.calls[0]?.request.primary.metadata.name, 'refused');
  assert.equal(r.calls[0].answer, undefined);
  assert.equal(r.answer, undefined);
  assert.deepEqual(
    { applied: r.applied, pruned: r.pruned, statusWritten: r.statusWritten },
    {
      applied: 0,
      pruned: 0,
      statusWritten: false,
    },
  );
  assert.match(r.error?.message ?? '', new RegExp(`mode err for ${env.namespace}/refused`));
  const logged = await eventually('the reconcile failed log line', () =>
    Promise.resolve(env.logLines('refused', MSG_RECONCILE_FAILED)[0]),
  );
  assert.deepEqual(logged.error, r.error, 'the same error text as the log line');
  assert.deepEqual(
    r.events.map((e) => [e.type, e.message]),
    [['Warning', r.error?.message]],
  );
  assert.equal(await env.warning('refused', r.events[0]?.reason ?? '?'), r.error?.message);
});

test('an observer that throws is logged and breaks nothing', async () => {
  const broken = (): void => {
    throw new Error('observer bug');
  };
  env.relay.manager.onReconcile.add(broken);
  try {
    await env.kube.create(faulty('after-bug', { mode: 'ok' }));
    await eventually('ConfigMap after-bug-faulty', () =>
      env.kube.get(CONFIGMAP.apiVersion, CONFIGMAP.kind, env.namespace, 'after-bug-faulty'),
    );
    await recordOf('after-bug', 'success');
    const failures = env.logs
      .map((l) => JSON.parse(l) as { msg?: string; error?: { message?: string } })
      .filter((l) => l.msg === MSG_OBSERVER_FAILED);
    assert.ok(failures.some((l) => l.error?.message === 'observer bug'));
    assert.equal(env.logLines('after-bug', MSG_UNEXPECTED_FAILURE).length, 0);
  } finally {
    env.relay.manager.onReconcile.delete(broken);
  }
});
