// Unit tests of delivery handling: wake resolution, the external trigger, dedup by delivery id, and the ack only after the woken reconciles reached the worker (a fake controller whose turns the test plays).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeliveryMessage } from '../../src/protocol/hooks.ts';
import type { ExternalTrigger } from '../../src/protocol/schemas.ts';
import { HookSpec } from '../api/hooks.ts';
import type { TurnEvent } from '../controller/controller.ts';
import type { KObject } from '../kube/object.ts';
import { createLogger } from '../observe/log.ts';
import { Deliveries, type WakeTarget } from './deliveries.ts';

const log = createLogger({ write: () => undefined });

const site = (name: string, labels: Record<string, string> = {}): KObject => ({
  apiVersion: 'examples.zeroloop.dev/v1alpha1',
  kind: 'Website',
  metadata: { name, namespace: 'shop', labels },
});

/** A controller as the deliveries see it: cached primaries, the keys woken, and turns the test plays. */
class FakeController implements WakeTarget {
  synced = true;
  readonly #running = Promise.withResolvers<undefined>();
  readonly running = this.#running.promise;
  readonly onTurn = new Set<(key: string, turn: TurnEvent) => void>();
  readonly woken: { key: string; trigger: ExternalTrigger }[] = [];
  readonly primaries: KObject[];
  constructor(primaries: KObject[]) {
    this.primaries = primaries;
  }
  primaryKeys(): string[] {
    return this.primaries.map((p) => `${p.metadata.namespace ?? ''}/${p.metadata.name}`);
  }
  primariesByLabels(matchLabels: Readonly<Record<string, string>>): KObject[] {
    return this.primaries.filter((p) =>
      Object.entries(matchLabels).every(([k, v]) => p.metadata.labels?.[k] === v),
    );
  }
  wake(key: string, trigger: ExternalTrigger): void {
    this.woken.push({ key, trigger });
  }
  turn(key: string, event: TurnEvent): void {
    for (const observer of this.onTurn) observer(key, event);
  }
  run(): void {
    this.synced = true;
    this.#running.resolve(undefined);
  }
}

const bySelector = HookSpec.parse({
  name: 'git-push',
  type: 'github',
  secretRef: { name: 'repo-hook' },
  wake: { selector: { matchLabels: { repo: 'shop' } } },
});
const byName = HookSpec.parse({ ...bySelector, name: 'by-name', wake: { names: ['site-c'] } });

const delivery = (id: string, name = 'git-push'): DeliveryMessage => ({
  type: 'delivery',
  id,
  hook: `/hooks/c1/${'a'.repeat(64)}`,
  reconciler: 'website',
  namespace: 'zeroloop-system',
  name,
  source: 'github',
  event: 'push',
  summary: { ref: 'refs/heads/main' },
  acceptedAt: 1_700_000_000_000,
});

function setup(controller: FakeController | undefined) {
  let current = controller;
  const acks: string[] = [];
  const deliveries = new Deliveries({
    controller: (name) => (name === 'website' ? current : undefined),
    hook: (reconciler, hook) =>
      reconciler === 'website' ? [bySelector, byName].find((h) => h.name === hook) : undefined,
    log,
  });
  const ack = (id: string) => acks.push(id);
  return {
    deliveries,
    acks,
    ack,
    replace: (next: FakeController) => {
      current = next;
    },
  };
}

test('deliveries should wake exactly the selected primaries with the external trigger', () => {
  const controller = new FakeController([
    site('site-a', { repo: 'shop' }),
    site('site-b', { repo: 'shop' }),
    site('site-c', { repo: 'blog' }),
  ]);
  const { deliveries, ack } = setup(controller);
  deliveries.receive(delivery('d-1'), ack);
  assert.deepEqual(
    controller.woken.map((w) => w.key),
    ['shop/site-a', 'shop/site-b'],
  );
  assert.deepEqual(controller.woken[0]?.trigger, {
    type: 'external',
    hook: 'git-push',
    source: 'github',
    event: 'push',
    delivery: 'd-1',
    summary: { ref: 'refs/heads/main' },
  });
  deliveries.receive(delivery('d-2', 'by-name'), ack);
  assert.deepEqual(
    controller.woken.slice(2).map((w) => w.key),
    ['shop/site-c'],
  );
});

test('deliveries should acknowledge only after every woken reconcile reached the worker', () => {
  const controller = new FakeController([site('site-a', { repo: 'shop' }), site('site-b', { repo: 'shop' })]);
  const { deliveries, acks, ack } = setup(controller);
  // A turn of site-a that was running before the delivery ends: it does not count.
  controller.turn('shop/site-a', 'taken');
  deliveries.receive(delivery('d-1'), ack);
  controller.turn('shop/site-a', 'success');
  assert.deepEqual(acks, []);
  controller.turn('shop/site-a', 'taken');
  controller.turn('shop/site-a', 'success');
  assert.deepEqual(acks, [], 'site-b has not run yet');
  // The worker was down: parked, then a transport failure; neither reached the worker.
  controller.turn('shop/site-b', 'taken');
  controller.turn('shop/site-b', 'parked');
  controller.turn('shop/site-b', 'taken');
  controller.turn('shop/site-b', 'worker_unavailable');
  assert.deepEqual(acks, []);
  // The reconciler answered with an error: the worker got it (the queue retries it with the same trigger).
  controller.turn('shop/site-b', 'taken');
  controller.turn('shop/site-b', 'reconciler_error');
  assert.deepEqual(acks, ['d-1']);
  assert.equal(deliveries.inFlight, 0);
});

test('deliveries should handle a delivery id once: sent again while in flight or after its ack', () => {
  const controller = new FakeController([site('site-a', { repo: 'shop' })]);
  const { deliveries, acks } = setup(controller);
  const first: string[] = [];
  const second: string[] = [];
  deliveries.receive(delivery('d-1'), (id) => first.push(id));
  // The connection dropped and the object sent it again on a new one: no second wake.
  deliveries.receive(delivery('d-1'), (id) => second.push(id));
  assert.equal(controller.woken.length, 1);
  controller.turn('shop/site-a', 'taken');
  controller.turn('shop/site-a', 'success');
  assert.deepEqual(first, [], 'acknowledged on the connection it last arrived on');
  assert.deepEqual(second, ['d-1']);
  // Its ack was lost too: acknowledged again, nothing woken.
  const third: string[] = [];
  deliveries.receive(delivery('d-1'), (id) => third.push(id));
  assert.deepEqual(third, ['d-1']);
  assert.equal(controller.woken.length, 1);
  assert.deepEqual(acks, []);
});

test('deliveries should acknowledge at once what wakes nothing, and a hook that is gone', () => {
  const controller = new FakeController([site('site-z', { repo: 'other' })]);
  const { deliveries, acks, ack } = setup(controller);
  deliveries.receive(delivery('d-1'), ack);
  deliveries.receive(delivery('d-2', 'deleted-hook'), ack);
  assert.deepEqual(acks, ['d-1', 'd-2']);
  assert.equal(controller.woken.length, 0);
});

test('deliveries should wait for the controller to run, and move to a controller that replaced it', async () => {
  const { deliveries, acks, ack, replace } = setup(undefined);
  deliveries.receive(delivery('d-1'), ack);
  assert.equal(deliveries.inFlight, 1, 'no controller yet: held');
  const starting = new FakeController([site('site-a', { repo: 'shop' })]);
  starting.synced = false;
  replace(starting);
  deliveries.controllerStarted('website');
  assert.equal(starting.woken.length, 0, 'caches not synced: not resolved yet');
  starting.run();
  await Promise.resolve();
  await Promise.resolve();
  assert.deepEqual(
    starting.woken.map((w) => w.key),
    ['shop/site-a'],
  );
  // The Reconciler changed before the reconcile ran: its new controller gets the delivery.
  const next = new FakeController([site('site-a', { repo: 'shop' })]);
  replace(next);
  deliveries.controllerStarted('website');
  assert.equal(next.woken.length, 1);
  starting.turn('shop/site-a', 'taken');
  starting.turn('shop/site-a', 'success');
  assert.deepEqual(acks, [], 'the old controller no longer counts');
  assert.equal(starting.onTurn.size, 0, 'and is no longer observed');
  next.turn('shop/site-a', 'taken');
  next.turn('shop/site-a', 'success');
  assert.deepEqual(acks, ['d-1']);
});
