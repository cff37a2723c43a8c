// A Reconciler's status as the relay writes it: the Ready condition (and its zeroloop_reconciler_ready series) and the Flapping condition, applied only when they change.
import * as z from 'zod/mini';
import { RECONCILER_KIND, type ReconcilerSpec } from '../api/reconciler.ts';
import type { Clock } from '../clock.ts';
import type { Leadership } from '../election/leadership.ts';
import type { KubeRequester } from '../kube/client.ts';
import type { KObject } from '../kube/object.ts';
import type { Logger } from '../observe/log.ts';
import type { RelayMetrics } from '../observe/metrics.ts';

const ReconcilerStatus = z.looseObject({
  observedGeneration: z.optional(z.number()),
  conditions: z.optional(
    z.array(
      z.looseObject({
        type: z.string(),
        status: z.string(),
        reason: z.optional(z.string()),
        message: z.optional(z.string()),
        lastTransitionTime: z.optional(z.string()),
      }),
    ),
  ),
});

/** The Ready message of a running Reconciler. */
export function runningMessage(spec: ReconcilerSpec): string {
  return `reconciling ${spec.primary.kind} with ${spec.reconciler} at ${spec.endpoint}`;
}

/** The Ready condition as last set. */
export interface Ready {
  ready: 'True' | 'False';
  reason: string;
  message: string;
}

export interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  lastTransitionTime: string;
}

/**
 * The status to apply to `obj` for `ready` and its flapping primaries, or undefined when its
 * status already says so for its generation. A condition keeps its lastTransitionTime while its
 * status stays; `now` is the relay's clock.
 */
export function reconcilerStatus(
  obj: KObject,
  ready: Ready,
  flapping: readonly string[],
  now: number,
): { observedGeneration?: number; conditions: Condition[] } | undefined {
  const previous = ReconcilerStatus.safeParse(obj.status);
  const oldConditions = previous.success ? (previous.data.conditions ?? []) : [];
  const generation = obj.metadata.generation;
  const wanted = [
    { type: 'Ready', status: ready.ready, reason: ready.reason, message: ready.message },
    flapping.length > 0
      ? {
          type: 'Flapping',
          status: 'True',
          reason: 'PrimariesFlapping',
          message: `${String(flapping.length)} primaries flapping, slowed down: ${flapping.slice(0, 5).join(', ')}${flapping.length > 5 ? ', …' : ''}`,
        }
      : { type: 'Flapping', status: 'False', reason: 'Stable', message: 'no primary is flapping' },
  ];
  const same = (w: (typeof wanted)[number]) => {
    const old = oldConditions.find((c) => c.type === w.type);
    return old?.status === w.status && old.reason === w.reason && old.message === w.message;
  };
  if (wanted.every(same) && previous.success && previous.data.observedGeneration === generation)
    return undefined;
  const at = new Date(now).toISOString().replace(/\.\d+Z$/, 'Z');
  const conditions = wanted.map((w) => {
    const old = oldConditions.find((c) => c.type === w.type);
    return {
      ...w,
      lastTransitionTime: old?.status === w.status && old.lastTransitionTime ? old.lastTransitionTime : at,
    };
  });
  return { ...(generation !== undefined ? { observedGeneration: generation } : {}), conditions };
}

export interface ReconcilerConditionsOptions {
  client: KubeRequester;
  metrics: RelayMetrics;
  leadership: Leadership;
  clock: Clock;
  log: Logger;
}

/** Per Reconciler: its Ready condition as last set and its flapping primaries; writes them (a follower writes nothing). */
export class ReconcilerConditions {
  #o: ReconcilerConditionsOptions;
  #ready = new Map<string, Ready>();
  #flapping = new Map<string, string[]>();

  constructor(options: ReconcilerConditionsOptions) {
    this.#o = options;
  }

  /** The Ready condition last set for `name`. */
  ready(name: string): Ready | undefined {
    return this.#ready.get(name);
  }

  /** Sets Ready on `obj` (and the Flapping condition with it), unless its status already says so. */
  async set(obj: KObject, ready: Ready): Promise<void> {
    const name = obj.metadata.name;
    const before = this.#ready.get(name);
    const m = this.#o.metrics;
    if (before && before.reason !== ready.reason)
      m.reconcilerReady.remove({ reconciler: name, reason: before.reason });
    m.reconcilerReady.set({ reconciler: name, reason: ready.reason }, ready.ready === 'True' ? 1 : 0);
    this.#ready.set(name, ready);
    // A follower writes nothing; the leader sets it (every Reconciler is looked at again on acquiring).
    if (!this.#o.leadership.leading) return;
    const status = reconcilerStatus(obj, ready, this.#flapping.get(name) ?? [], this.#o.clock.now());
    if (!status) return;
    try {
      await this.#o.client.request(
        'PATCH',
        `/apis/${RECONCILER_KIND.apiVersion}/reconcilers/${encodeURIComponent(name)}/status`,
        {
          query: { fieldManager: 'zeroloop/relay', force: true },
          body: { ...RECONCILER_KIND, metadata: { name }, status },
          contentType: 'application/apply-patch+yaml',
        },
      );
    } catch (error) {
      this.#o.log.warn('could not write the Reconciler status', { reconcilerResource: name, error });
    }
  }

  /** The flapping primaries of `name` changed: rewrites its conditions with the Ready last set. */
  async flapping(obj: KObject | undefined, name: string, keys: string[]): Promise<void> {
    this.#flapping.set(name, keys);
    const ready = this.#ready.get(name);
    if (obj && ready) await this.set(obj, ready);
  }

  /** The Reconciler is gone: its series and memory go. */
  forget(name: string): void {
    const last = this.#ready.get(name);
    if (last) this.#o.metrics.reconcilerReady.remove({ reconciler: name, reason: last.reason });
    this.#ready.delete(name);
  }
}
