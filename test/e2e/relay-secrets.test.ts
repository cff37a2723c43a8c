// E2e: the Secrets policy. Secret data reaches a reconciler only when its Reconciler lists Secrets; otherwise no watch, nothing forwarded.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '../support/kube.ts';
import type { ReconcilerDef, RelayEnv } from '../support/relay-env.ts';
import { CONFIGMAP, FAULTY, startRelayEnv } from '../support/relay-env.ts';

const SECRET = { apiVersion: 'v1', kind: 'Secret' } as const;
/** The value the Secrets carry; it must never show up in the primary. */
const PASSWORD = 'hunter2-do-not-echo';
const QUIET_MS = 4000;

interface SelectStatus {
  trigger?: string;
  count?: number;
  related?: string[];
  dataKeys?: Record<string, string[]>;
}

/** The helpers of one environment (each describe block starts its own). */
function helpers(env: () => RelayEnv) {
  const primary = (name: string) => env().kube.get(FAULTY.apiVersion, FAULTY.kind, env().namespace, name);
  return {
    primary,
    statusWhere: (what: string, name: string, check: (s: SelectStatus) => boolean) =>
      eventually(what, async () => {
        const status = (await primary(name))?.status as SelectStatus | undefined;
        return status && check(status) ? status : undefined;
      }),
    secretWatched: () => env().relay.informers.active().has(`v1/Secret@${env().namespace}`),
    reconciles: () => env().metric('zeroloop_reconciles_total', { reconciler: `${env().namespace}-faulty` }),
    secret: (name: string, labels: Record<string, string>) => ({
      ...SECRET,
      metadata: { name, namespace: env().namespace, labels },
      stringData: { username: 'admin', password: PASSWORD },
    }),
  };
}

describe('a Reconciler that lists Secrets in its reads', () => {
  let env: RelayEnv;
  const h = helpers(() => env);
  const reader: ReconcilerDef = {
    name: 'faulty',
    reconciler: 'faulty',
    primary: FAULTY,
    owns: [CONFIGMAP],
    reads: [SECRET],
  };
  before(async () => {
    env = await startRelayEnv({ name: 'secrets-read', reconcilers: [reader] });
  });
  after(async () => {
    await env.stop();
  });

  test('gets the selected Secret, its changes wake the primary, and the watch closes when no selector needs it', async () => {
    assert.equal(h.secretWatched(), false, 'no Secret watch before any selector asks');
    const watchesBefore = await env.metric('zeroloop_watches');
    await env.kube.create(h.secret('db-creds', { app: 'orders' }));
    await env.kube.create({
      ...FAULTY,
      metadata: { name: 'vault', namespace: env.namespace },
      spec: { mode: 'select', select: [{ ...SECRET, matchLabels: { app: 'orders' } }] },
    });
    const ref = `Secret ${env.namespace}/db-creds`;
    const got = await h.statusWhere('db-creds forwarded', 'vault', (s) => s.related?.join() === ref);
    assert.deepEqual(got.dataKeys, { [ref]: ['password', 'username'] }, 'the data reached the reconciler');
    assert.equal(h.secretWatched(), true);
    assert.equal(await env.metric('zeroloop_watches'), watchesBefore + 1, 'one Secret watch opened');

    await env.kube.patch(SECRET.apiVersion, SECRET.kind, env.namespace, 'db-creds', {
      stringData: { host: 'db.internal' },
    });
    const changed = await h.statusWhere('the Secret change forwarded', 'vault', (s) =>
      Boolean(s.dataKeys?.[ref]?.includes('host')),
    );
    assert.equal(changed.trigger, `related ${ref}`);
    assert.doesNotMatch(JSON.stringify(await h.primary('vault')), new RegExp(PASSWORD), 'no value echoed');

    await env.kube.patch(FAULTY.apiVersion, FAULTY.kind, env.namespace, 'vault', { spec: { select: [] } });
    await h.statusWhere('nothing forwarded', 'vault', (s) => s.count === 0);
    await eventually('the Secret watch closed', () => Promise.resolve(h.secretWatched() ? undefined : true));
    assert.equal(await env.metric('zeroloop_watches'), watchesBefore);
  });
});

describe('a Reconciler that does not list Secrets', () => {
  let env: RelayEnv;
  const h = helpers(() => env);
  const nonReader: ReconcilerDef = {
    name: 'faulty',
    reconciler: 'faulty',
    primary: FAULTY,
    owns: [CONFIGMAP],
    reads: [CONFIGMAP],
  };
  before(async () => {
    env = await startRelayEnv({ name: 'secrets-deny', reconcilers: [nonReader] });
  });
  after(async () => {
    await env.stop();
  });

  test('refuses a Secret selector visibly, opens no Secret watch and forwards no Secret, and applies the rest', async () => {
    const reconciler = { reconciler: `${env.namespace}-faulty` };
    const refusedBefore = await env.metric('zeroloop_related_refused_total', reconciler);
    await env.kube.create(h.secret('db-creds', { app: 'orders' }));
    await env.kube.create({
      ...CONFIGMAP,
      metadata: { name: 'settings', namespace: env.namespace, labels: { app: 'orders' } },
      data: { colour: 'blue' },
    });
    await env.kube.create({
      ...FAULTY,
      metadata: { name: 'nosy', namespace: env.namespace },
      spec: {
        mode: 'select',
        select: [
          { ...SECRET, matchLabels: { app: 'orders' } },
          { ...SECRET, name: 'db-creds' },
          { ...CONFIGMAP, matchLabels: { app: 'orders' } },
        ],
      },
    });
    const message = await eventually('a Warning Event RelatedSelectorRefused on nosy', async () => {
      const events = await env.kube.events(env.namespace, 'nosy');
      return events.find((e) => e.type === 'Warning' && e.reason === 'RelatedSelectorRefused')?.message;
    });
    assert.match(message, /v1\/Secret: not in the Reconciler's reads/);
    const status = await h.statusWhere('nosy reconciled', 'nosy', (s) => s.count !== undefined);
    assert.deepEqual(
      status.related,
      [`ConfigMap ${env.namespace}/settings`],
      'the ConfigMap only, no Secret',
    );
    assert.ok(
      (await env.metric('zeroloop_related_refused_total', reconciler)) >= refusedBefore + 2,
      'both Secret selectors counted as refused',
    );
    assert.equal(h.secretWatched(), false, 'no Secret watch opened');
    assert.ok(
      [...env.relay.informers.active().keys()].every((scope) => !scope.startsWith('v1/Secret@')),
      'no Secret watch in any namespace',
    );

    // A change to the Secret reaches nobody.
    await sleep(1000);
    const count = await h.reconciles();
    await env.kube.patch(SECRET.apiVersion, SECRET.kind, env.namespace, 'db-creds', {
      stringData: { host: 'db.internal' },
    });
    await sleep(QUIET_MS);
    assert.equal(await h.reconciles(), count, 'a Secret change triggers nothing');
    const after = (await h.primary('nosy'))?.status as SelectStatus | undefined;
    assert.deepEqual(after?.related, [`ConfigMap ${env.namespace}/settings`]);
    assert.doesNotMatch(JSON.stringify(after), /Secret|hunter2/, 'no trace of the Secret in the status');
  });
});
