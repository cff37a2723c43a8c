// Which primaries a watch delta wakes: the echo of the relay's own write wakes none, and a delta that concerns a primary being reconciled is held until its reconcile ends.
//
// Held because the apply's answer (the resourceVersion to recognise as an echo) may arrive after
// the watch event of that very write; once the reconcile ends its writes are known, and the held
// deltas are judged then.
import { refOf } from '../../src/keys.ts';
import type { Trigger } from '../../src/protocol/schemas.ts';
import { stampedByOther } from '../apply/ownership.ts';
import type { KObject } from '../kube/object.ts';
import type { Delta } from '../watch/store.ts';
import { Echoes } from './echoes.ts';
import { ownedTriggers } from './predicates.ts';

/** A watch delta that may wake primaries. */
export interface Wake {
  delta: Delta;
  keys: string[];
  trigger: Trigger;
}

export interface WakesOptions {
  /** The Reconciler's name: objects another Reconciler stamped wake none of its primaries. */
  reconciler: string;
  /** The cached primary's key for an owner uid. */
  primaryKeyOf: (uid: string) => string | undefined;
  /** Enqueues a woken primary. */
  enqueue: (key: string, trigger: Trigger) => void;
  /** A delta was an echo and woke nothing. */
  echoSuppressed: () => void;
}

export class Wakes {
  #o: WakesOptions;
  #echoes = new Echoes();
  /** Primaries being reconciled → wakes that arrived meanwhile. */
  #inFlight = new Map<string, Wake[]>();

  constructor(options: WakesOptions) {
    this.#o = options;
  }

  /** How many primaries are being reconciled now. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** A reconcile of `key` starts: deltas that concern it are held. */
  begin(key: string): void {
    this.#inFlight.set(key, []);
  }

  /** The reconcile of `key` ended: the deltas held meanwhile are judged now. */
  end(key: string): void {
    const held = this.#inFlight.get(key) ?? [];
    this.#inFlight.delete(key);
    for (const wake of held) this.judge(wake);
  }

  /** An owned object changed: wakes the primaries that own it (not the echo of our write). */
  readonly owned = (delta: Delta): void => {
    // Another Reconciler of the same primary kind stamped it: its children are not ours.
    if (stampedByOther(delta.object, this.#o.reconciler)) return;
    const keys = ownedTriggers(delta).flatMap((uid) => this.#o.primaryKeyOf(uid) ?? []);
    if (keys.length > 0) this.judge({ delta, keys, trigger: { type: 'owned', ref: refOf(delta.object) } });
    else if (delta.type === 'deleted') this.#echoes.forget([delta.object]);
  };

  /** Enqueues the primaries `wake` concerns, unless it is an echo; held while one of them is in flight. */
  judge(wake: Wake): void {
    const held = wake.keys.map((k) => this.#inFlight.get(k)).find((w) => w !== undefined);
    if (held) {
      held.push(wake);
      return;
    }
    if (this.#echoes.isEcho(wake.delta)) {
      this.#o.echoSuppressed();
      return;
    }
    for (const key of wake.keys) this.#o.enqueue(key, wake.trigger);
  }

  /** The relay wrote these: the watch events they cause are echoes. */
  wrote(written: ReadonlyMap<string, KObject>): void {
    this.#echoes.expect(written);
  }
}
