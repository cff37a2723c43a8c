// controller-runtime's processNextWorkItem loop, shared by the Controller and the Manager: take a key, handle it, mark it done; a handler that throws has its key retried with backoff, so the loop never dies.
import type { RateLimitingQueue } from '../queue/rate-limited.ts';

export interface WorkerLoop {
  /** Handles one key; its own failures are its business (outcomes, retries). */
  handle: (key: string) => Promise<void>;
  /** `handle` threw: the key was re-added after `retryInMs` of backoff. */
  threw: (key: string, error: unknown, retryInMs: number) => void;
  /** The key is done (and re-added if it changed meanwhile). */
  done?: (key: string) => void;
}

/** Runs until the queue shuts down. */
export async function runWorker(queue: RateLimitingQueue, loop: WorkerLoop): Promise<void> {
  for (;;) {
    const key = await queue.get();
    if (key === undefined) return;
    try {
      await loop.handle(key);
    } catch (error) {
      loop.threw(key, error, queue.addRateLimited(key));
    } finally {
      queue.done(key);
      loop.done?.(key);
    }
  }
}
