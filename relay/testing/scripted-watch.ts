// A ListerWatcher for unit tests: lists the given objects once, then holds its watch open for the test to push events.
import type { KObject } from '../kube/object.ts';
import type { ListerWatcher, WatchEnd, WatchEvent } from '../watch/watcher.ts';
import { untilAborted } from './fake-clock.ts';

export class ScriptedWatch implements ListerWatcher {
  /** Delivers an event on the open watch (a no-op until the watch is open). */
  push: (event: WatchEvent) => void = () => undefined;
  readonly items: KObject[];

  constructor(items: KObject[]) {
    this.items = items;
  }

  list(): Promise<{ items: KObject[]; resourceVersion: string }> {
    return Promise.resolve({ items: this.items, resourceVersion: '1' });
  }

  async watch(_rv: string, signal: AbortSignal, onEvent: (event: WatchEvent) => void): Promise<WatchEnd> {
    this.push = onEvent;
    await untilAborted(signal);
    return 'closed';
  }
}
