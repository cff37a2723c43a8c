// One controller's outage gates, the worker's and the apiserver's: which failure closes which, and the gate a key waits on while one is closed.
import { ApplyFailed } from '../apply/applier.ts';
import type { Clock } from '../clock.ts';
import { DispatchError } from '../dispatch/errors.ts';
import { KubeApiError, type KubeRequester } from '../kube/client.ts';
import type { Logger } from '../observe/log.ts';
import type { Dependency } from './outcome.ts';
import { OutageGate } from './outage-gate.ts';
import { probeWorker } from './worker-call.ts';

/** Logged when a gate opens again (with how many keys were `parked`), and when one closes. */
export const MSG_REACHABLE_AGAIN: Readonly<Record<Dependency, string>> = {
  worker: 'worker reachable again; releasing parked primaries',
  apiserver: 'apiserver reachable again; releasing parked primaries',
};
export const MSG_UNREACHABLE: Readonly<Record<Dependency, string>> = {
  worker: 'worker unreachable; parking primaries and probing it',
  apiserver: 'apiserver unreachable; parking primaries and probing it',
};

export interface OutagesOptions {
  clock: Clock;
  log: Logger;
  /** The worker's base URL: its health check is the worker's probe. */
  endpoint: string;
  /** `GET /version` is the apiserver's probe. */
  client: KubeRequester;
  /** Adds back a key a gate held, once its dependency answers. */
  release: (key: string) => void;
  /** The worker's gate opened (true) or closed (false). */
  onWorkerReachable: (reachable: boolean) => void;
}

export class Outages {
  #gates: Record<Dependency, OutageGate>;

  constructor(o: OutagesOptions) {
    const gate = (what: Dependency, probe: () => Promise<boolean>, onChange?: (open: boolean) => void) =>
      new OutageGate({
        clock: o.clock,
        probe,
        release: (keys) => {
          o.log.info(MSG_REACHABLE_AGAIN[what], { parked: keys.length });
          for (const key of keys) o.release(key);
        },
        onChange: (open) => {
          onChange?.(open);
          if (!open) o.log.warn(MSG_UNREACHABLE[what], {});
        },
      });
    this.#gates = {
      worker: gate('worker', () => probeWorker(o.endpoint), o.onWorkerReachable),
      apiserver: gate('apiserver', () =>
        o.client.request('GET', '/version', { timeoutMs: 2000 }).then(
          () => true,
          () => false,
        ),
      ),
    };
  }

  /** The dependency that is down now (the apiserver first), if any. */
  closed(): Dependency | undefined {
    if (!this.#gates.apiserver.open) return 'apiserver';
    if (!this.#gates.worker.open) return 'worker';
    return undefined;
  }

  park(gate: Dependency, key: string): void {
    this.#gates[gate].park(key);
  }

  /** Closes the gate a failure shows to be down: an unreachable worker, or an apply that got no answer. */
  failed(error: unknown): void {
    if (error instanceof DispatchError && error.name === 'WorkerUnavailable') this.#gates.worker.down();
    if (error instanceof ApplyFailed && apiserverUnreachable(error.cause)) this.#gates.apiserver.down();
  }

  stop(): void {
    this.#gates.worker.stop();
    this.#gates.apiserver.stop();
  }
}

/** A write that got no answer, or the apiserver's 503 (starting, or shedding load): not the answer's fault. */
function apiserverUnreachable(cause: unknown): boolean {
  return cause instanceof KubeApiError && (cause.status === 0 || cause.status === 503);
}
