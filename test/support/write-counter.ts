// Counts the apiserver's writes to some kinds in one namespace from its own watch events: one event per write that changed an object.
import { setTimeout as sleep } from 'node:timers/promises';
import { collectionPath } from '../../relay/kube/discovery.ts';
import type { TestKube } from './kube.ts';

export interface WriteCounts {
  added: number;
  modified: number;
  deleted: number;
}

export interface WriteCounter {
  /** Counts so far, by kind. */
  byKind(): Record<string, WriteCounts>;
  /** MODIFIED events so far, by `Kind/name`. */
  modifiedByObject(): Map<string, number>;
  /**
   * Watches that could not resume where they left off (an ERROR event such as 410 Gone): the counts
   * may miss writes, and a test should not trust them.
   */
  gaps(): number;
  /** Watches closed by the server and reopened from their last resourceVersion (nothing missed). */
  reopens(): number;
  stop(): void;
}

interface WatchEvent {
  type: string;
  object: { metadata?: { name?: string; resourceVersion?: string } };
}

/**
 * Opens one watch per kind in `namespace`, from the current resourceVersion, and counts its events.
 * A server-side apply that changes nothing makes no event, so the counts are exactly the writes that
 * took effect, whoever sent them. A watch the server closes (its timeout, or a CRD update ending the
 * watches of its resources) is reopened from the last resourceVersion seen, so nothing is missed.
 * Resolves once every watch is open.
 */
export async function countWrites(
  kube: TestKube,
  namespace: string,
  kinds: readonly { apiVersion: string; kind: string }[],
): Promise<WriteCounter> {
  const abort = new AbortController();
  const counts: Record<string, WriteCounts> = {};
  const modified = new Map<string, number>();
  let gaps = 0;
  let reopens = 0;
  const stopped = () => abort.signal.aborted;
  const currentVersion = async (path: string) =>
    (
      (await kube.client.request('GET', path, { query: { limit: 1 } })) as {
        metadata: { resourceVersion: string };
      }
    ).metadata.resourceVersion;
  const open = (path: string, resourceVersion: string) =>
    kube.client.stream(
      path,
      { watch: true, allowWatchBookmarks: true, resourceVersion, timeoutSeconds: 1800 },
      abort.signal,
    );
  for (const { apiVersion, kind } of kinds) {
    const c = (counts[kind] = { added: 0, modified: 0, deleted: 0 });
    const path = collectionPath(await kube.resource(apiVersion, kind), namespace);
    let rv = await currentVersion(path);
    let lines: AsyncIterable<string> | undefined = await open(path, rv);
    void (async () => {
      while (!stopped()) {
        try {
          lines ??= await open(path, rv);
          for await (const line of lines) {
            const event = JSON.parse(line) as WatchEvent;
            if (event.type === 'ERROR') {
              // Cannot resume (410 Gone): start over from now, and say that writes may be missed.
              gaps++;
              rv = await currentVersion(path);
              break;
            }
            rv = event.object.metadata?.resourceVersion ?? rv;
            if (event.type === 'ADDED') c.added++;
            else if (event.type === 'DELETED') c.deleted++;
            else if (event.type === 'MODIFIED') {
              c.modified++;
              const key = `${kind}/${event.object.metadata?.name ?? '?'}`;
              modified.set(key, (modified.get(key) ?? 0) + 1);
            }
          }
        } catch {
          // No answer (or aborted): try again from the same resourceVersion.
          if (!stopped()) await sleep(100);
        }
        lines = undefined;
        if (!stopped()) reopens++;
      }
    })();
  }
  return {
    byKind: () => structuredClone(counts),
    modifiedByObject: () => new Map(modified),
    gaps: () => gaps,
    reopens: () => reopens,
    stop: () => {
      abort.abort();
    },
  };
}
