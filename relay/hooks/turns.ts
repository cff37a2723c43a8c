// Which deliveries wait on which primaries' reconciles: a delivery is dispatched once every primary it woke has had a turn, begun after the wake, that reached the worker.
import type { TurnEvent } from '../controller/controller.ts';

/**
 * Turns that did not reach the worker: the key is taken again (a retry with backoff, or its release
 * from the outage gate), and that later turn counts. Any other end counts as dispatched: a success, a
 * failure the worker answered (retried by the queue, the trigger kept in memory), a primary gone.
 */
const NOT_DISPATCHED: ReadonlySet<TurnEvent> = new Set<TurnEvent>([
  'parked',
  'worker_unavailable',
  'worker_timeout',
  'throttled',
  'incompatible_worker',
]);

/** One controller's deliveries in flight; `dispatched` is called once per delivery, when its last key was dispatched. */
export class DeliveryTurns {
  /** key → deliveries waiting for the key's next turn. */
  #waiting = new Map<string, Set<string>>();
  /** key → deliveries whose turn of that key is running. */
  #running = new Map<string, Set<string>>();
  /** delivery → keys not dispatched yet. */
  #keys = new Map<string, Set<string>>();
  #dispatched: (id: string) => void;

  constructor(dispatched: (id: string) => void) {
    this.#dispatched = dispatched;
  }

  /** Delivery ids not dispatched yet. */
  pending(): string[] {
    return [...this.#keys.keys()];
  }

  has(id: string): boolean {
    return this.#keys.has(id);
  }

  /** `id` woke `keys` (enqueued right after this call); none: dispatched at once. */
  expect(id: string, keys: readonly string[]): void {
    if (keys.length === 0) {
      this.#dispatched(id);
      return;
    }
    this.#keys.set(id, new Set(keys));
    for (const key of keys) add(this.#waiting, key, id);
  }

  /** Stops waiting for `id` (it is dispatched to another controller). */
  forget(id: string): void {
    const keys = this.#keys.get(id);
    if (!keys) return;
    this.#keys.delete(id);
    for (const key of keys) {
      this.#waiting.get(key)?.delete(id);
      this.#running.get(key)?.delete(id);
    }
  }

  /** The controller's turn of `key`: taken by a worker, then how it ended. */
  turn(key: string, event: TurnEvent): void {
    if (event === 'taken') {
      const waiting = this.#waiting.get(key);
      if (!waiting) return;
      this.#waiting.delete(key);
      for (const id of waiting) add(this.#running, key, id);
      return;
    }
    const running = this.#running.get(key);
    if (!running) return;
    this.#running.delete(key);
    if (NOT_DISPATCHED.has(event)) {
      for (const id of running) add(this.#waiting, key, id);
      return;
    }
    for (const id of running) {
      const keys = this.#keys.get(id);
      if (!keys) continue;
      keys.delete(key);
      if (keys.size > 0) continue;
      this.#keys.delete(id);
      this.#dispatched(id);
    }
  }
}

function add(map: Map<string, Set<string>>, key: string, id: string): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(id);
}
