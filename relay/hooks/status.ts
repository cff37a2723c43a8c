// Writes a Reconciler's status.hooks (each hook's path, or why it has none) with its own field manager, only when it changes.
import * as z from 'zod/mini';
import { RECONCILER_KIND } from '../api/reconciler.ts';
import type { KubeRequester } from '../kube/client.ts';
import type { KObject } from '../kube/object.ts';
import type { Logger } from '../observe/log.ts';

/** Not the conditions' manager (config/status.ts): each apply leaves the other's fields alone. */
export const HOOKS_FIELD_MANAGER = 'zeroloop/relay-hooks';

export interface HookStatusEntry {
  name: string;
  path?: string;
  message?: string;
}

const Written = z.looseObject({
  hooks: z.optional(
    z.array(z.object({ name: z.string(), path: z.optional(z.string()), message: z.optional(z.string()) })),
  ),
});

export class HookStatusWriter {
  #client: KubeRequester;
  #log: Logger;
  /** Reconciler → the JSON last applied, so an unchanged status is not sent again before its watch event. */
  #last = new Map<string, string>();

  constructor(options: { client: KubeRequester; log: Logger }) {
    this.#client = options.client;
    this.#log = options.log;
  }

  /** Applies `entries` as `obj`'s status.hooks unless it already holds them. */
  async write(obj: KObject, entries: readonly HookStatusEntry[]): Promise<void> {
    const name = obj.metadata.name;
    const wanted = JSON.stringify(entries);
    const current = JSON.stringify(Written.safeParse(obj.status).data?.hooks ?? []);
    if (wanted === current || wanted === this.#last.get(name)) return;
    this.#last.set(name, wanted);
    try {
      await this.#client.request(
        'PATCH',
        `/apis/${RECONCILER_KIND.apiVersion}/reconcilers/${encodeURIComponent(name)}/status`,
        {
          query: { fieldManager: HOOKS_FIELD_MANAGER, force: true },
          body: { ...RECONCILER_KIND, metadata: { name }, status: { hooks: entries } },
          contentType: 'application/apply-patch+yaml',
        },
      );
    } catch (error) {
      this.#last.delete(name);
      this.#log.warn('could not write the Reconciler status.hooks', { reconcilerResource: name, error });
    }
  }

  forget(name: string): void {
    this.#last.delete(name);
  }
}
