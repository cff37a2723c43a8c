// A delivery from the hook object → the primaries its hook wakes (from the controller's caches) → enqueued with an `external` trigger → acknowledged once those reconciles reached the worker; each delivery id handled once.
//
// At-least-once: nothing is acknowledged before the reconciles it woke were dispatched (turns.ts),
// so a relay killed before that gets the delivery again from the object on its next connection. A
// delivery sent again (its ack lost with a connection) is acknowledged again without waking anything;
// one still being handled is acknowledged on the connection it last arrived on.
import type { DeliveryMessage } from '../../src/protocol/hooks.ts';
import type { ExternalTrigger } from '../../src/protocol/schemas.ts';
import type { HookSpec } from '../api/hooks.ts';
import type { TurnEvent } from '../controller/controller.ts';
import type { Logger } from '../observe/log.ts';
import { AcknowledgedDeliveries } from './dedup.ts';
import { DeliveryTurns } from './turns.ts';
import { type PrimaryLookup, primariesToWake } from './wake.ts';

/** Logged once per delivery dispatched (its id, the hook, how many primaries it woke); tools and tests match it. */
export const MSG_HOOK_DELIVERY = 'hook delivery';

/** What a delivery needs of a Reconciler's controller. */
export interface WakeTarget extends PrimaryLookup {
  readonly synced: boolean;
  readonly running: Promise<void>;
  readonly onTurn: Set<(key: string, turn: TurnEvent) => void>;
  wake(key: string, trigger: ExternalTrigger): void;
}

export interface DeliveriesOptions {
  /** The running controller of Reconciler `name`, if there is one. */
  controller: (name: string) => WakeTarget | undefined;
  /** Hook `hook` of Reconciler `reconciler` as declared now, if it is. */
  hook: (reconciler: string, hook: string) => HookSpec | undefined;
  log: Logger;
}

/** Sends the ack of one delivery on the connection it came from. */
export type Ack = (id: string) => void;

interface InFlight {
  delivery: DeliveryMessage;
  ack: Ack;
  /** The controller whose turns it waits on, once dispatched. */
  on?: WakeTarget;
}

export class Deliveries {
  #o: DeliveriesOptions;
  #acked = new AcknowledgedDeliveries();
  #inFlight = new Map<string, InFlight>();
  #turns = new Map<WakeTarget, { turns: DeliveryTurns; off: () => void }>();

  constructor(options: DeliveriesOptions) {
    this.#o = options;
  }

  /** Deliveries received and not acknowledged yet. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** A delivery arrived on a connection whose `ack` acknowledges it. */
  receive(delivery: DeliveryMessage, ack: Ack): void {
    const { id } = delivery;
    if (this.#acked.has(id)) {
      ack(id);
      return;
    }
    const known = this.#inFlight.get(id);
    if (known) {
      known.ack = ack;
      return;
    }
    this.#inFlight.set(id, { delivery, ack });
    this.#dispatch(id);
  }

  /**
   * Reconciler `name` has a new controller (started, or restarted after a change): deliveries waiting
   * for it, or on its previous controller's reconciles, are dispatched to it.
   */
  controllerStarted(name: string): void {
    for (const [id, entry] of this.#inFlight) {
      if (entry.delivery.reconciler !== name) continue;
      if (entry.on) this.#turns.get(entry.on)?.turns.forget(id);
      delete entry.on;
      this.#dispatch(id);
    }
    this.#prune();
  }

  /** Stops observing controllers; deliveries not acknowledged are sent again by the object later. */
  stop(): void {
    for (const { off } of this.#turns.values()) off();
    this.#turns.clear();
    this.#inFlight.clear();
  }

  #dispatch(id: string): void {
    const entry = this.#inFlight.get(id);
    if (!entry) return;
    const { delivery } = entry;
    const fields = { delivery: id, reconcilerResource: delivery.reconciler, hook: delivery.name };
    const hook = this.#o.hook(delivery.reconciler, delivery.name);
    if (!hook) {
      this.#o.log.info('hook delivery for a hook that is gone; acknowledged, nothing woken', fields);
      this.#dispatched(id);
      return;
    }
    const controller = this.#o.controller(delivery.reconciler);
    // No controller (yet): controllerStarted dispatches it. Not synced: once it runs.
    if (!controller) return;
    if (!controller.synced) {
      void controller.running.then(() => {
        if (
          this.#inFlight.get(id) === entry &&
          !entry.on &&
          this.#o.controller(delivery.reconciler) === controller
        )
          this.#dispatch(id);
      });
      return;
    }
    const keys = primariesToWake(hook.wake, controller);
    const trigger: ExternalTrigger = {
      type: 'external',
      hook: hook.name,
      source: delivery.source,
      event: delivery.event,
      delivery: id,
      ...(delivery.summary !== undefined && { summary: delivery.summary }),
    };
    this.#o.log.info(MSG_HOOK_DELIVERY, { ...fields, event: delivery.event, woken: keys.length });
    entry.on = controller;
    this.#turnsOf(controller).expect(id, keys);
    for (const key of keys) controller.wake(key, trigger);
  }

  #turnsOf(controller: WakeTarget): DeliveryTurns {
    let found = this.#turns.get(controller);
    if (!found) {
      const turns = new DeliveryTurns((id) => {
        this.#dispatched(id);
      });
      const observer = (key: string, turn: TurnEvent): void => {
        turns.turn(key, turn);
      };
      controller.onTurn.add(observer);
      found = { turns, off: () => controller.onTurn.delete(observer) };
      this.#turns.set(controller, found);
    }
    return found.turns;
  }

  /** Every woken reconcile reached the worker (or nothing was woken): remembered, then acknowledged. */
  #dispatched(id: string): void {
    const entry = this.#inFlight.get(id);
    if (!entry) return;
    this.#inFlight.delete(id);
    this.#acked.add(id, entry.delivery.acceptedAt);
    entry.ack(id);
  }

  /** Drops the observers of controllers no delivery waits on (a replaced controller's). */
  #prune(): void {
    for (const [controller, { turns, off }] of this.#turns)
      if (turns.pending().length === 0) {
        off();
        this.#turns.delete(controller);
      }
  }
}
