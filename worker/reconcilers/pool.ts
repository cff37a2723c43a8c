// Keeps one component instance per reconciler per isolate: created lazily on first use (never for a component of a WIT version this worker does not run), dropped after a trap.
import type { ReconcilerExports, ReconcilerRegistry } from '../../src/contract/wit.ts';
import { WIT_PACKAGE, WIT_VERSION, witCompatible, witRange } from '../../src/protocol/version.ts';
import { WorkerError } from '../errors/worker-error.ts';
import { errorMessage } from '../../src/error-message.ts';

/** The 404 for a name the registry does not hold. */
export function unknownReconciler(name: string): WorkerError {
  return new WorkerError(
    'not_found',
    `unknown reconciler "${name}": GET /v1/reconcilers lists this worker's reconcilers`,
  );
}

/** The 500 for a component built against a WIT version this worker does not run; it is never instantiated. */
export function incompatibleComponent(name: string, wit: string, workerWit: string): WorkerError {
  return new WorkerError(
    'incompatible_component',
    `reconciler "${name}" was built against ${WIT_PACKAGE}@${wit}, this worker runs components of ${WIT_PACKAGE}@${witRange(workerWit)}: ` +
      `nothing ran; rebuild it with this worker's zeroloop (npx zeroloop build ${name}) and deploy the worker again`,
  );
}

/** Told about each instantiation (a cold start of one component). */
export type InstantiateListener = (event: { reconciler: string; generation: number; ms: number }) => void;

export interface InstancePoolOptions {
  registry: ReconcilerRegistry;
  onInstantiate?: InstantiateListener;
  now?: () => number;
  /** The WIT version this worker is built against; defaults to WIT_VERSION. */
  wit?: string;
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
  readonly #wit: string;
  readonly #entries = new Map<string, Entry>();
  readonly #generations = new Map<string, number>();

  constructor(options: InstancePoolOptions) {
    this.#registry = options.registry;
    this.#onInstantiate = options.onInstantiate;
    this.#now = options.now ?? (() => performance.now());
    this.#wit = options.wit ?? WIT_VERSION;
  }

  /** The reconcilers this worker runs, sorted. */
  names(): string[] {
    return Object.keys(this.#registry).sort();
  }

  has(name: string): boolean {
    return Object.hasOwn(this.#registry, name);
  }

  /** The WIT version component `name` was built against (undefined for a name the registry does not hold). */
  wit(name: string): string | undefined {
    return this.has(name) ? this.#registry[name]?.wit : undefined;
  }

  /** How many instances of `name` this isolate has created. */
  generation(name: string): number {
    return this.#generations.get(name) ?? 0;
  }

  /** The live instance of `name`, instantiating it on first use. */
  acquire(name: string): Promise<ReconcilerExports> {
    const existing = this.#entries.get(name);
    if (existing) return existing.promise;
    const component = this.has(name) ? this.#registry[name] : undefined;
    if (!component) {
      return Promise.reject(unknownReconciler(name));
    }
    if (!witCompatible(component.wit, this.#wit)) {
      return Promise.reject(incompatibleComponent(name, component.wit, this.#wit));
    }
    const started = this.#now();
    const entry: Entry = {
      promise: component.instantiate().then(
        (instance) => {
          entry.instance = instance;
          const generation = this.generation(name) + 1;
          this.#generations.set(name, generation);
          this.#onInstantiate?.({ reconciler: name, generation, ms: this.#now() - started });
          return instance;
        },
        (error: unknown) => {
          this.#entries.delete(name);
          const reason = errorMessage(error);
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
