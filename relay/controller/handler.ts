// controller-runtime's reconcileHandler for one key a worker took: in-flight bookkeeping, the primary's snapshot, sync, and its outcome as queue operations (keys.ts) and reports (reporter.ts).
import type { Trigger } from '../../src/protocol/schemas.ts';
import type { ControllerConfig } from '../api/reconciler.ts';
import type { Clock } from '../clock.ts';
import { newTraceparent } from '../dispatch/traceparent.ts';
import type { Logger } from '../observe/log.ts';
import { PhaseTimer } from '../observe/phases.ts';
import type { ControllerCaches } from './caches.ts';
import { planFinalizer } from './finalizer.ts';
import type { ControllerKeys } from './keys.ts';
import type { ControllerKinds } from './kinds.ts';
import type { Outages } from './outages.ts';
import type { PrimaryMemory } from './primary-memory.ts';
import type { RelatedWatches } from './related-watches.ts';
import type { Reporter } from './reporter.ts';
import { type ReconcileResult, resultOf } from './result.ts';
import { sync, type SyncDeps } from './sync.ts';
import type { Wakes } from './wakes.ts';

/** A key's turn: `taken` by a worker, then how it ended: `parked` (taken again after the outage), `skipped` (gone), or the reconcile's result. */
export type TurnEvent = 'taken' | 'parked' | 'skipped' | ReconcileResult;

/** The controller's parts a reconcile goes through. */
export interface HandlerDeps {
  keys: ControllerKeys;
  wakes: Wakes;
  caches: ControllerCaches;
  outages: Outages;
  related: RelatedWatches;
  memory: PrimaryMemory;
  reporter: Reporter;
  sync: SyncDeps;
  clock: Clock;
  log: Logger;
  /** The kinds once resolved, and the Reconciler as the controller runs it now. */
  kinds: () => ControllerKinds | undefined;
  config: () => ControllerConfig;
  queueLength: () => number;
  onTurn: ReadonlySet<(key: string, turn: TurnEvent) => void>;
}

export class ReconcileHandler {
  #d: HandlerDeps;

  constructor(deps: HandlerDeps) {
    this.#d = deps;
  }

  /** One key a worker took: the in-flight bookkeeping around its reconcile. */
  async handle(key: string): Promise<void> {
    const { reporter, wakes, keys } = this.#d;
    reporter.queueDepth(this.#d.queueLength());
    reporter.busy(1);
    wakes.begin(key);
    const phases = new PhaseTimer();
    const { trigger, readyAt } = keys.take(key);
    this.#turn(key, 'taken');
    if (readyAt !== undefined) phases.add('queue', performance.now() - readyAt);
    try {
      await this.#reconcile(key, trigger, phases);
    } finally {
      wakes.end(key);
      reporter.busy(-1);
    }
  }

  /** One key: its snapshot → sync → queue operations → reports. */
  async #reconcile(key: string, trigger: Trigger, phases: PhaseTimer): Promise<void> {
    const { keys, caches, memory, outages } = this.#d;
    const config = this.#d.config();
    // Whatever this turn does (reconcile, skip, park) covers a status still owed; a status this
    // relay wrote whose watch event has not arrived yet is the primary's status.
    const primary = memory.started(key, caches.primary(key));
    const kinds = this.#d.kinds();
    const plan = primary && planFinalizer(primary, config.spec, config.finalizerName);
    // Gone, or being deleted without our finalizer (the garbage collector removes the children).
    if (!primary || !kinds || !plan || plan.skip) {
      keys.settle(key, { type: 'skipped' });
      this.#turn(key, 'skipped');
      return;
    }
    const gate = outages.closed();
    if (gate) {
      // The worker or the apiserver is down: hold the key (and its trigger) until a probe sees it answer.
      keys.keep(key, trigger);
      keys.settle(key, { type: 'parked', gate });
      this.#turn(key, 'parked');
      return;
    }
    const started = this.#d.clock.now();
    const traceparent = newTraceparent();
    const log = this.#d.log.child({ key, traceparent });
    const owned = caches.owned(primary, config.spec.reconciler);
    const lastWrite = memory.lastWrite(key);
    const input = { key, primary, owned, kinds, trigger, plan, lastWrite, phases, traceparent };
    const outcome = await sync(this.#d.sync, input);
    memory.finished(key, outcome);
    const answered = outcome.trace.answered;
    const { flaps } = keys;
    const flap = answered && flaps.record(key, primary.metadata.generation, answered.wrote);
    if (outcome.type === 'failed') {
      keys.keep(key, trigger);
      outages.failed(outcome.error);
    }
    const retryInMs = keys.settle(key, outcome);
    // Deleted while in flight: release the related watches this reconcile may have set.
    if (!caches.primary(key)) await this.#d.related.set(key, []);
    const context = { key, primary, trigger, started, phases, log, plan };
    this.#d.reporter.reconciled(context, outcome, {
      flap,
      flapping: () => flaps.keys(),
      ...(retryInMs !== undefined && { retryInMs }),
    });
    this.#turn(key, outcome.type === 'reconciled' ? 'success' : resultOf(outcome.error));
  }

  #turn(key: string, turn: TurnEvent): void {
    for (const observer of this.#d.onTurn) {
      try {
        observer(key, turn);
      } catch (error) {
        this.#d.log.error('turn observer failed', { key, error });
      }
    }
  }
}
