// E2e: changing selectors. When a primary's related selectors change, the old ones stop feeding it and the new ones do.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '../support/kube.ts';
import type { ReconcilerDef, RelayEnv } from '../support/relay-env.ts';
import { CONFIGMAP, FAULTY, startRelayEnv } from '../support/relay-env.ts';

/** The `faulty` fixture allowed to read ConfigMaps (mode select answers spec.select as its selectors). */
const SELECTING: ReconcilerDef = {
  name: 'faulty',
  reconciler: 'faulty',
  primary: FAULTY,
  owns: [CONFIGMAP],
  reads: [CONFIGMAP],
};
/** How long "nothing happens" is watched for. */
const QUIET_MS = 4000;

let env: RelayEnv;
before(async () => {
  env = await startRelayEnv({ name: 'selectors', reconcilers: [SELECTING] });
});
after(async () => {
  await env.stop();
});

interface SelectStatus {
  mode?: string;
  trigger?: string;
  count?: number;
  related?: string[];
  dataKeys?: Record<string, string[]>;
}

const statusOf = async (name: string) =>
  (await env.kube.get(FAULTY.apiVersion, FAULTY.kind, env.namespace, name))?.status as
    SelectStatus | undefined;

/** Polls the primary's status until `check` accepts it. */
const statusWhere = (what: string, name: string, check: (s: SelectStatus) => boolean) =>
  eventually(what, async () => {
    const status = await statusOf(name);
    return status && check(status) ? status : undefined;
  });

const selectGroup = (group: string) => [{ apiVersion: 'v1', kind: 'ConfigMap', matchLabels: { group } }];

const configMap = (name: string, group: string, data: Record<string, string>) => ({
  ...CONFIGMAP,
  metadata: { name, namespace: env.namespace, labels: { group } },
  data,
});

const patchData = (name: string, data: Record<string, string>) =>
  env.kube.patch(CONFIGMAP.apiVersion, CONFIGMAP.kind, env.namespace, name, { data });

const reconciles = () => env.metric('zeroloop_reconciles_total', { reconciler: `${env.namespace}-faulty` });
const ref = (name: string) => `ConfigMap ${env.namespace}/${name}`;
/** References of the shared ConfigMap watch of the namespace (the owned-ConfigMap controller holds one). */
const configMapWatchRefs = () => env.relay.informers.active().get(`v1/ConfigMap@${env.namespace}`);

/** Waits until the reconcile count has not moved for a second, and returns it. */
async function settled(): Promise<number> {
  let last = await reconciles();
  for (;;) {
    await sleep(1000);
    const now = await reconciles();
    if (now === last) return now;
    last = now;
  }
}

test('a primary follows its selectors: after switching from group=a to group=b, group=a changes trigger nothing and are not forwarded', async () => {
  await env.kube.create({
    ...FAULTY,
    metadata: { name: 'picky', namespace: env.namespace },
    spec: { mode: 'select', select: selectGroup('a') },
  });
  await statusWhere('picky reconciled with no related objects yet', 'picky', (s) => s.count === 0);
  assert.equal(configMapWatchRefs(), 2, 'the related selector shares the ConfigMap watch of the owned kind');

  // A matching ConfigMap appears, then changes: each wakes the primary and reaches it.
  await env.kube.create(configMap('a1', 'a', { colour: 'blue' }));
  await statusWhere('a1 forwarded', 'picky', (s) => s.related?.join() === ref('a1'));
  await patchData('a1', { size: 'large' });
  const changed = await statusWhere('the change of a1 forwarded', 'picky', (s) =>
    Boolean(s.dataKeys?.[ref('a1')]?.includes('size')),
  );
  assert.equal(changed.trigger, `related ${ref('a1')}`);

  // A ConfigMap of the other group triggers nothing yet.
  let count = await settled();
  await env.kube.create(configMap('b1', 'b', { colour: 'red' }));
  await sleep(QUIET_MS);
  assert.equal(await reconciles(), count, 'a non-matching ConfigMap triggers nothing');

  // Switch the selector: the request is rebuilt from the new one.
  await env.kube.patch(FAULTY.apiVersion, FAULTY.kind, env.namespace, 'picky', {
    spec: { select: selectGroup('b') },
  });
  const switched = await statusWhere(
    'b1 forwarded instead of a1',
    'picky',
    (s) => s.related?.join() === ref('b1'),
  );
  assert.equal(switched.trigger, 'primary');
  assert.equal(configMapWatchRefs(), 2, 'still one shared watch: no second one, no leak');

  // The old selector no longer feeds the primary: group=a changes trigger nothing.
  count = await settled();
  await patchData('a1', { shape: 'round' });
  await env.kube.create(configMap('a2', 'a', { colour: 'green' }));
  await sleep(QUIET_MS);
  assert.equal(await reconciles(), count, 'changes to group=a ConfigMaps trigger nothing after the switch');

  // The new selector does, and what it forwards is group=b only.
  await patchData('b1', { size: 'small' });
  const fed = await statusWhere('the change of b1 forwarded', 'picky', (s) =>
    Boolean(s.dataKeys?.[ref('b1')]?.includes('size')),
  );
  assert.equal(fed.trigger, `related ${ref('b1')}`);
  assert.deepEqual(fed.related, [ref('b1')], 'a1 and a2 are not forwarded');
  assert.ok((await reconciles()) > count);
  await env.kube.create(configMap('b2', 'b', { colour: 'black' }));
  const both = await statusWhere('b2 forwarded', 'picky', (s) => s.count === 2);
  assert.deepEqual(both.related, [ref('b1'), ref('b2')]);

  // No selectors at all: the related reference on the watch is released (the owned kind keeps it open).
  await env.kube.patch(FAULTY.apiVersion, FAULTY.kind, env.namespace, 'picky', { spec: { select: [] } });
  await statusWhere('nothing forwarded', 'picky', (s) => s.count === 0 && s.trigger === 'primary');
  await eventually('the related reference on the ConfigMap watch released', () =>
    Promise.resolve(configMapWatchRefs() === 1 ? true : undefined),
  );
  count = await settled();
  await patchData('b1', { size: 'medium' });
  await sleep(QUIET_MS);
  assert.equal(await reconciles(), count, 'with no selectors, a ConfigMap change triggers nothing');
});

test('a ConfigMap nobody owns is cached as metadata only until a related selector needs it, then whole, then metadata only again', async () => {
  const scope = { ...CONFIGMAP, namespace: env.namespace };
  /** The shared ConfigMap watch's cached `name`, looked at as the owned-ConfigMap controller does (asking for metadata changes nothing it keeps). */
  const cached = (name: string) => {
    const informer = env.relay.informers.acquire(scope, { unowned: 'metadata' });
    const obj = informer.store.get(`${env.namespace}/${name}`);
    void env.relay.informers.release(scope, { unowned: 'metadata' });
    return obj;
  };
  await env.kube.create(configMap('c1', 'c', { colour: 'white' }));
  const stripped = await eventually('c1 cached', () => Promise.resolve(cached('c1')));
  assert.equal(stripped.data, undefined, 'only the owned-ConfigMap controller needs it: no body');
  assert.deepEqual(stripped.metadata.labels, { group: 'c' }, 'its metadata is all there');

  // A selector joins the same watch: the cache lists once more and puts the bodies back.
  await env.kube.patch(FAULTY.apiVersion, FAULTY.kind, env.namespace, 'picky', {
    spec: { select: selectGroup('c') },
  });
  const fed = await statusWhere('c1 forwarded', 'picky', (s) => s.related?.join() === ref('c1'));
  assert.deepEqual(fed.dataKeys?.[ref('c1')], ['colour'], 'the reconciler got its data');
  assert.deepEqual(cached('c1')?.data, { colour: 'white' });
  assert.equal(configMapWatchRefs(), 2, 'one watch still');

  await env.kube.patch(FAULTY.apiVersion, FAULTY.kind, env.namespace, 'picky', { spec: { select: [] } });
  await eventually('the body dropped once no selector needs it', () =>
    Promise.resolve(configMapWatchRefs() === 1 && cached('c1')?.data === undefined ? true : undefined),
  );
});
