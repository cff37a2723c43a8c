// Records Kubernetes Events (core/v1) on a primary; repeats of the same event within a window are not re-posted.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../clock.ts';
import { realClock } from '../clock.ts';
import type { KubeClient } from '../kube/client.ts';
import type { KObject } from '../kube/object.ts';

export interface EventSpec {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

const MAX_MESSAGE = 1024;

export class EventRecorder {
  #client: KubeClient;
  #clock: Clock;
  #component: string;
  #windowMs: number;
  /** `uid reason message` → last time posted. */
  #recent = new Map<string, number>();

  constructor(options: { client: KubeClient; clock?: Clock; component?: string; dedupWindowMs?: number }) {
    this.#client = options.client;
    this.#clock = options.clock ?? realClock;
    this.#component = options.component ?? 'zeroloop-relay';
    this.#windowMs = options.dedupWindowMs ?? 10 * 60_000;
  }

  /** Posts the event; throws the apiserver's error (callers log it: an Event is never worth a retry loop). */
  async record(primary: KObject, event: EventSpec): Promise<boolean> {
    const now = this.#clock.now();
    const message = event.message.slice(0, MAX_MESSAGE);
    const dedupKey = `${primary.metadata.uid ?? primary.metadata.name} ${event.type} ${event.reason} ${message}`;
    const last = this.#recent.get(dedupKey);
    if (last !== undefined && now - last < this.#windowMs) return false;
    this.#recent.set(dedupKey, now);
    if (this.#recent.size > 10_000) this.#prune(now);

    const namespace = primary.metadata.namespace ?? 'default';
    const time = new Date(now).toISOString().replace(/\.\d+Z$/, 'Z');
    await this.#client.request('POST', `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`, {
      body: {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `${primary.metadata.name}.${randomBytes(8).toString('hex')}`, namespace },
        involvedObject: {
          apiVersion: primary.apiVersion,
          kind: primary.kind,
          name: primary.metadata.name,
          namespace: primary.metadata.namespace,
          uid: primary.metadata.uid,
          resourceVersion: primary.metadata.resourceVersion,
        },
        type: event.type,
        reason: event.reason,
        message,
        source: { component: this.#component },
        reportingComponent: `zeroloop.dev/${this.#component}`,
        reportingInstance: hostname(),
        firstTimestamp: time,
        lastTimestamp: time,
        count: 1,
      },
    });
    return true;
  }

  #prune(now: number): void {
    for (const [k, t] of this.#recent) if (now - t >= this.#windowMs) this.#recent.delete(k);
  }
}
