// E2e fault: the relay process is SIGKILLed about 1 s into a burst of 300 Websites and started again; all converge, and the extra reconciles and writes are measured.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunningWorker } from '../../worker/testing/harness.ts';
import { startWorker } from '../../worker/testing/harness.ts';
import type { SharedControlPlane } from '../support/cluster.ts';
import { sharedControlPlane } from '../support/cluster.ts';
import { eventually, TestKube } from '../support/kube.ts';
import type { RelayProcess } from '../support/relay-process.ts';
import { startRelayProcess } from '../support/relay-process.ts';
import { prepareNamespace, reconcilerManifest, WEBSITE, WEBSITE_RECONCILER } from '../support/relay-env.ts';
import { countWrites } from '../support/write-counter.ts';
import {
  burstNames,
  createWebsites,
  settledCount,
  waitConverged,
  WEBSITE_CHILDREN,
} from '../support/websites.ts';
import { MSG_RECONCILED } from '../../relay/controller/reporter.ts';

const COUNT = 300;
/** How long after the relay's first reconcile of the burst it is killed. */
const KILL_AFTER_MS = 1000;

let plane: SharedControlPlane;
let kube: TestKube;
let namespace: string;
let worker: RunningWorker;
const relays: RelayProcess[] = [];

before(async () => {
  plane = await sharedControlPlane();
  kube = new TestKube(plane.restConfig);
  namespace = await prepareNamespace(kube, 'zl-fault-kill');
  worker = await startWorker();
  await kube.apply(reconcilerManifest(WEBSITE_RECONCILER, namespace, worker.url.origin));
});
after(async () => {
  for (const relay of relays) await relay.kill('SIGKILL');
  await worker.close();
  await kube.delete(
    'zeroloop.dev/v1alpha1',
    'Reconciler',
    undefined,
    `${namespace}-${WEBSITE_RECONCILER.name}`,
  );
  await kube.delete('v1', 'Namespace', undefined, namespace);
});

const start = async () => {
  const relay = await startRelayProcess({
    kubeconfigPath: plane.kubeconfigPath,
    selector: `zeroloop.dev/test=${namespace}`,
  });
  relays.push(relay);
  return relay;
};

/** The relay's `reconciled` log lines: one per successful reconcile. */
const reconciled = (relay: RelayProcess) => relay.lines.filter((l) => l.msg === MSG_RECONCILED);
const sum = (lines: Record<string, unknown>[], field: string) =>
  lines.reduce((n, l) => n + (typeof l[field] === 'number' ? l[field] : l[field] === true ? 1 : 0), 0);

test(`a relay SIGKILLed mid-burst of ${COUNT} Websites and started again converges them all`, async () => {
  const writes = await countWrites(kube, namespace, [WEBSITE, ...WEBSITE_CHILDREN]);
  const names = burstNames('site', COUNT);
  const first = await start();
  const burstStarted = Date.now();
  const creating = createWebsites(kube, namespace, names);
  // About 1 s into the relay's work on the burst (not its start-up), so the kill lands mid-burst.
  await eventually('the first reconcile of the burst', () =>
    Promise.resolve(reconciled(first).length > 0 ? true : undefined),
  );
  await sleep(KILL_AFTER_MS);
  // Scraped just before the kill: what a Prometheus scrape would have kept of the first run.
  const firstMetric = await first.metric('zeroloop_reconciles_total');
  const exit = await first.kill('SIGKILL');
  const killedAfterMs = Date.now() - burstStarted;
  assert.equal(exit.signal, 'SIGKILL');
  const firstLines = reconciled(first);
  assert.ok(firstLines.length < COUNT, `killed mid-burst (run 1 reconciled ${firstLines.length})`);
  const second = await start();
  await creating;
  const converged = await waitConverged(kube, namespace, names, 120_000);
  const secondTotal = await settledCount(() => second.metric('zeroloop_reconciles_total'));
  await settledCount(() =>
    Promise.resolve(Object.values(writes.byKind()).reduce((n, c) => n + c.added + c.modified, 0)),
  );
  writes.stop();
  const secondLines = reconciled(second);
  const secondFailed =
    (await second.metric('zeroloop_reconciles_total')) -
    (await second.metric('zeroloop_reconciles_total', { result: 'success' }));
  const counts = writes.byKind();
  const reasons = new Map<string, number>();
  for (const site of await kube.list(WEBSITE.apiVersion, WEBSITE.kind, namespace)) {
    const status = site.status as { conditions?: { type: string; reason: string }[] } | undefined;
    const reason = status?.conditions?.find((c) => c.type === 'Ready')?.reason ?? 'none';
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  const website = counts[WEBSITE.kind];
  assert.ok(website);
  const childAdded = WEBSITE_CHILDREN.reduce((n, k) => n + (counts[k.kind]?.added ?? 0), 0);
  const childModified = WEBSITE_CHILDREN.reduce((n, k) => n + (counts[k.kind]?.modified ?? 0), 0);
  const reconciles = firstLines.length + secondTotal;
  // Second run: one startup reconcile per Website (the relay keeps no state, so it cannot know which
  // ones the first run finished); each of them finds its children in place and writes nothing new.
  const secondPrimaries = new Set(secondLines.map((l) => String(l.key)));
  console.log(
    `fault: relay SIGKILL ${killedAfterMs} ms into a burst of ${COUNT} (${KILL_AFTER_MS} ms after its first reconcile): ` +
      `run 1 reconciled ${firstLines.length} (metric ${firstMetric} at the last scrape), ` +
      `run 2 ${secondTotal} (${secondPrimaries.size} distinct, ${secondFailed} failed); ` +
      `reconciles ${reconciles} = ${COUNT} + ${reconciles - COUNT} extra; ` +
      `relay writes: run 1 applied ${sum(firstLines, 'applied')} + ${sum(firstLines, 'statusWritten')} status, ` +
      `run 2 applied ${sum(secondLines, 'applied')} + ${sum(secondLines, 'statusWritten')} status, ` +
      `skipped unchanged ${sum(secondLines, 'unchanged')} (zeroloop_writes_skipped_total ${await second.metric('zeroloop_writes_skipped_total')}); ` +
      `apiserver: children created ${childAdded}, modified ${childModified}, Website status writes ${website.modified}; ` +
      `(counting watches reopened ${writes.reopens()}, gaps ${writes.gaps()}); ` +
      `Ready reasons ${JSON.stringify(Object.fromEntries(reasons))}; ` +
      `all converged ${converged - burstStarted} ms after the burst began`,
  );
  assert.equal(writes.gaps(), 0, 'the write counts are complete');
  assert.equal(childAdded, COUNT * 3, 'each child created once');
  assert.equal(
    childModified,
    0,
    `no child rewritten: ${[...writes.modifiedByObject()].slice(0, 10).join(', ')}`,
  );
  // One status write per Website, plus at most one for each the first run had reconciled: a status
  // the first run wrote from the children it saw may be rewritten by the second run, which sees
  // them as the kill left them.
  assert.ok(
    website.modified >= COUNT && website.modified <= COUNT + firstLines.length,
    `${website.modified} status writes: one per Website, at most one more per Website the first run reconciled (${firstLines.length})`,
  );
  assert.equal(secondPrimaries.size, COUNT, 'the second run reconciled every Website');
  // Each once, plus once more for each whose children it wrote: that reconcile leaves the status to
  // the next one (relay README, "A status follows the writes").
  const owed = secondLines.filter((l) => l.statusOwed === true).length;
  assert.equal(
    secondTotal,
    COUNT + owed,
    `each once, plus ${owed} that wrote the status their first left owed`,
  );
});
