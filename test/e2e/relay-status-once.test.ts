// E2e on a plane with workloads (the Deployment controller, KWOK nodes): a spec change never writes the same Website status twice; the reconcile the Deployment wakes right after sees the status the relay wrote, not the cached one from before.
//
// The Deployment controller updates a Deployment's status milliseconds after the relay applies it,
// before the watch event of the relay's own status write has reached its cache. That reconcile is
// given the status the relay wrote (controller/written-status.ts), so it computes the same status and
// writes nothing; later writes follow the rollout (replicas becoming ready). The figures printed are
// the relay's status writes and reconciles per spec change.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startControlPlane } from '../../cluster/index.ts';
import type { ControlPlane } from '../../cluster/index.ts';
import { canonical } from '../../relay/apply/intent.ts';
import type { ReconcileRecord } from '../../relay/controller/controller.ts';
import { controlPlaneAt } from '../support/cluster.ts';
import type { RelayEnv } from '../support/relay-env.ts';
import { startRelayEnv, WEBSITE, WEBSITE_RECONCILER } from '../support/relay-env.ts';
import { waitConverged } from '../support/websites.ts';

const CHANGES = 10;

let plane: ControlPlane;
let env: RelayEnv;
const records: ReconcileRecord[] = [];

before(async () => {
  plane = await startControlPlane({ workloads: true });
  env = await startRelayEnv({
    name: 'status-once',
    reconcilers: [WEBSITE_RECONCILER],
    plane: await controlPlaneAt(plane.kubeconfigPath),
  });
  env.relay.manager.onReconcile.add((r) => {
    records.push(r);
  });
});
after(async () => {
  await env.stop();
  await plane.stop();
});

/** Waits until no reconcile has finished for `ms`. */
async function quiet(ms = 3000): Promise<void> {
  let seen = records.length;
  for (;;) {
    await sleep(ms);
    if (records.length === seen) return;
    seen = records.length;
  }
}

test('a spec change never writes the same status twice: every reconcile after a status write is given that status', async () => {
  await env.kube.create({
    ...WEBSITE,
    metadata: { name: 'site', namespace: env.namespace },
    spec: { replicas: 1, html: '<h1>v0</h1>' },
  });
  await waitConverged(env.kube, env.namespace, ['site'], 60_000);
  await quiet();
  const key = `${env.namespace}/site`;
  const figures: string[] = [];
  let stale = 0;
  let repeated = 0;
  const notes: string[] = [];
  for (let i = 1; i <= CHANGES; i++) {
    const start = records.length;
    await env.kube.patch(WEBSITE.apiVersion, WEBSITE.kind, env.namespace, 'site', {
      spec: { html: `<h1>v${String(i)}</h1>`, replicas: 1 + (i % 2) },
    });
    await sleep(500);
    await quiet();
    const mine = records.slice(start).filter((r) => r.key === key);
    let last: string | undefined;
    for (const r of mine) {
      const given = canonical(r.calls[0]?.request.primary.status);
      if (last !== undefined && given !== last) {
        stale++;
        notes.push(
          `change ${String(i)}: a ${r.trigger.type} reconcile was given ${given} after the relay wrote ${last}; it ${r.statusWritten ? `wrote ${canonical(r.answer?.status)}` : 'wrote no status'}`,
        );
      }
      const answered = canonical(r.answer?.status);
      if (r.statusWritten) {
        if (answered === last) repeated++;
        last = answered;
      }
    }
    figures.push(
      `change ${String(i)}: ${String(mine.filter((r) => r.statusWritten).length)} status writes in ${String(mine.length)} reconciles (${mine.map((r) => `${r.trigger.type}${r.statusWritten ? '+status' : ''}`).join(' ')})`,
    );
  }
  process.stderr.write(
    `${[...figures, ...notes].join('\n')}\nstale views: ${String(stale)}, repeated writes: ${String(repeated)}\n`,
  );
  assert.ok(
    figures.some((f) => f.includes(' owned')),
    'the Deployment controller woke the Website after a spec change (the case under test)',
  );
  assert.equal(stale, 0, 'no reconcile after a status write was given the status from before it');
  assert.equal(repeated, 0, 'no status was written again');
});
