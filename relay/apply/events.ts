// Records Kubernetes Events (core/v1) on a primary the way Kubernetes' own recorder does: repeats aggregated, a rate limit per object.
//
// - A repeat of the same event (object, type, reason, message) within `aggregateWindowMs` does not
//   create a new Event: the existing one's `count` and `lastTimestamp` are patched.
// - Each involved object has a token bucket (client-go's spam filter: a burst of 25, then one
//   token every 5 minutes). An event without a token is dropped and reported as `rate-limited`, so
//   one bad primary can never flood the apiserver with Events, however often it fails.
// - Both tables are bounded (least recently used first out), like client-go's LRU caches.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../clock.ts';
import { realClock } from '../clock.ts';
import type { KubeClient } from '../kube/client.ts';
import { KubeApiError } from '../kube/client.ts';
import type { KObject } from '../kube/object.ts';
import type { Logger } from '../observe/log.ts';

export interface EventSpec {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** What became of one event. */
export type Recorded = 'created' | 'aggregated' | 'rate-limited';

export interface EventRecorderOptions {
  client: Pick<KubeClient, 'request'>;
  clock?: Clock;
  component?: string;
  /** Repeats within this window patch the existing Event (default 10 min). */
  aggregateWindowMs?: number;
  /** Events an object may get at once (default 25). */
  burst?: number;
  /** Then one more every this often (default 5 min). */
  refillMs?: number;
  /** Entries kept in each table (default 4096). */
  maxEntries?: number;
}

const MAX_MESSAGE = 1024;

interface Seen {
  name: string;
  namespace: string;
  count: number;
  at: number;
}

/** A Map used as an LRU: reads move an entry to the end, inserts beyond `max` drop the first. */
function touch<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  for (const k of map.keys()) {
    if (map.size <= max) break;
    map.delete(k);
  }
}

export class EventRecorder {
  #client: Pick<KubeClient, 'request'>;
  #clock: Clock;
  #component: string;
  #windowMs: number;
  #burst: number;
  #refillMs: number;
  #max: number;
  #seen = new Map<string, Seen>();
  #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(options: EventRecorderOptions) {
    this.#client = options.client;
    this.#clock = options.clock ?? realClock;
    this.#component = options.component ?? 'zeroloop-relay';
    this.#windowMs = options.aggregateWindowMs ?? 10 * 60_000;
    this.#burst = options.burst ?? 25;
    this.#refillMs = options.refillMs ?? 5 * 60_000;
    this.#max = options.maxEntries ?? 4096;
  }

  /** Records the Event; a failure is logged with `log`, never thrown (an Event is never worth a retry loop). */
  async recordOrLog(primary: KObject, event: EventSpec, log: Logger): Promise<Recorded | undefined> {
    try {
      return await this.record(primary, event);
    } catch (error) {
      log.warn('could not record event', { reason: event.reason, error });
      return undefined;
    }
  }

  /** Creates or aggregates the event; throws the apiserver's error (callers log it: an Event is never worth a retry loop). */
  async record(primary: KObject, event: EventSpec): Promise<Recorded> {
    const now = this.#clock.now();
    const objectId = primary.metadata.uid ?? `${primary.metadata.namespace ?? ''}/${primary.metadata.name}`;
    if (!this.#take(objectId, now)) return 'rate-limited';
    const message = event.message.slice(0, MAX_MESSAGE);
    const key = `${objectId} ${event.type} ${event.reason} ${message}`;
    const seen = this.#seen.get(key);
    if (seen && now - seen.at < this.#windowMs) {
      seen.count++;
      seen.at = now;
      touch(this.#seen, key, seen, this.#max);
      try {
        await this.#client.request(
          'PATCH',
          `/api/v1/namespaces/${encodeURIComponent(seen.namespace)}/events/${encodeURIComponent(seen.name)}`,
          {
            body: { count: seen.count, lastTimestamp: timestamp(now) },
            contentType: 'application/merge-patch+json',
          },
        );
        return 'aggregated';
      } catch (error) {
        // The Event expired (the apiserver keeps them 1 h by default): create a new one.
        if (!(error instanceof KubeApiError && error.status === 404)) throw error;
      }
    }
    const namespace = primary.metadata.namespace ?? 'default';
    const name = `${primary.metadata.name}.${randomBytes(8).toString('hex')}`;
    await this.#client.request('POST', `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`, {
      body: {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
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
        firstTimestamp: timestamp(now),
        lastTimestamp: timestamp(now),
        count: 1,
      },
    });
    touch(this.#seen, key, { name, namespace, count: 1, at: now }, this.#max);
    return 'created';
  }

  /** Takes a token from the object's bucket; false when it is empty. */
  #take(objectId: string, now: number): boolean {
    const bucket = this.#buckets.get(objectId) ?? { tokens: this.#burst, at: now };
    const refilled = Math.min(this.#burst, bucket.tokens + (now - bucket.at) / this.#refillMs);
    const ok = refilled >= 1;
    touch(this.#buckets, objectId, { tokens: ok ? refilled - 1 : refilled, at: now }, this.#max);
    return ok;
  }
}

function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}
