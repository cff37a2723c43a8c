// Keeps one component instance per reconciler per isolate: created lazily on first use, dropped after a trap.
import type { ReconcilerExports, ReconcilerRegistry } from '../../src/contract/wit.ts';
import { WorkerError } from '../errors/worker-error.ts';

/** The 404 for a name the registry does not hold. */
export function unknownReconciler(name: string): WorkerError {
  return new WorkerError(
    'not_found',
    `unknown reconciler "${name}": GET /v1/reconcilers lists this worker's reconcilers`,
  );
}

/** Told about each instantiation (a cold start of one component). */
export type InstantiateListener = (event: { reconciler: string; generation: number; ms: number }) => void;

export interface InstancePoolOptions {
  registry: ReconcilerRegistry;
  onInstantiate?: InstantiateListener;
  now?: () => number;
}

interface Entry {
  /** Shared by concurrent first callers, so one isolate instantiates a component once. */
  promise: Promise<ReconcilerExports>;
  instance?: ReconcilerExports;
}

/**
 * Invariants: at most one live instance per name; `drop` only removes the instance it is given, so
 * two requests that saw the same trap cannot throw away the fresh instance built after it.
 */
export class InstancePool {
  readonly #registry: ReconcilerRegistry;
  readonly #onInstantiate: InstantiateListener | undefined;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  readonly #generations = new Map<string, number>();

  constructor(options: InstancePoolOptions) {
    this.#registry = options.registry;
    this.#onInstantiate = options.onInstantiate;
    this.#now = options.now ?? (() => performance.now());
  }

  /** The reconcilers this worker runs, sorted. */
  names(): string[] {
    return Object.keys(this.#registry).sort();
  }

  has(name: string): boolean {
    return Object.hasOwn(this.#registry, name);
  }

  /** How many instances of `name` this isolate has created. */
  generation(name: string): number {
    return this.#generations.get(name) ?? 0;
  }

  /** The live instance of `name`, instantiating it on first use. */
  acquire(name: string): Promise<ReconcilerExports> {
    const existing = this.#entries.get(name);
    if (existing) return existing.promise;
    const factory = this.has(name) ? this.#registry[name] : undefined;
    if (!factory) {
      return Promise.reject(unknownReconciler(name));
    }
    const started = this.#now();
    const entry: Entry = {
      promise: factory().then(
        (instance) => {
          entry.instance = instance;
          const generation = this.generation(name) + 1;
          this.#generations.set(name, generation);
          this.#onInstantiate?.({ reconciler: name, generation, ms: this.#now() - started });
          return instance;
        },
        (error: unknown) => {
          this.#entries.delete(name);
          const reason = error instanceof Error ? error.message : String(error);
          throw new WorkerError(
            'internal',
            `instantiating reconciler "${name}" failed (${reason}): check the build; the next request tries again`,
            { cause: error },
          );
        },
      ),
    };
    this.#entries.set(name, entry);
    return entry.promise;
  }

  /** Forgets `instance` (poisoned by a trap) so the next `acquire` builds a fresh one. */
  drop(name: string, instance: ReconcilerExports): boolean {
    const entry = this.#entries.get(name);
    if (entry?.instance !== instance) return false;
    this.#entries.delete(name);
    return true;
  }
}
