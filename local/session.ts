// Stops what `npm start` started, in reverse order, once: on Ctrl-C, SIGTERM, a failed start or a crash.

/** The message of `npm start`'s log line for each part's stop (`what`, `ms`): where a slow Ctrl-C spends its time. */
export const MSG_STOP_DONE = 'stop.done';

interface Stopper {
  what: string;
  stop: () => Promise<void>;
  concurrent: boolean;
}

export interface StopOptions {
  /**
   * Independent of its neighbours: adjacent stoppers that all say so stop together (the worker and the
   * control plane: neither needs the other to stop). Default false: in order.
   */
  concurrent?: boolean;
}

/**
 * A stack of stop functions. `add` after `stop` began runs the new one right away (something that finished
 * starting while we were already shutting down). Each stop runs once; one failing does not skip the rest.
 */
export class Session {
  readonly #stack: Stopper[] = [];
  readonly #late: Promise<void>[] = [];
  readonly #running = new Set<string>();
  #stopping: Promise<void> | undefined;
  readonly #onError: (what: string, error: unknown) => void;
  readonly #onStopped: (what: string, ms: number) => void;

  /** `onStopped` hears how long each stop took: where a slow Ctrl-C spends its time. */
  constructor(
    onError: (what: string, error: unknown) => void,
    onStopped: (what: string, ms: number) => void = () => undefined,
  ) {
    this.#onError = onError;
    this.#onStopped = onStopped;
  }

  /** What is stopping right now (a deadline names what it cut short). */
  stopping(): string[] {
    return [...this.#running];
  }

  /** True once `stop` was called. */
  isStopping(): boolean {
    return this.#stopping !== undefined;
  }

  add(what: string, stop: () => Promise<void>, options: StopOptions = {}): void {
    const stopper = { what, stop, concurrent: options.concurrent === true };
    if (this.#stopping !== undefined) {
      this.#late.push(this.#run(stopper));
      return;
    }
    this.#stack.push(stopper);
  }

  /** Runs every stop function, last added first (adjacent concurrent ones together). Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      for (let s = this.#stack.pop(); s !== undefined; s = this.#stack.pop()) {
        const together = [s];
        while (s.concurrent && this.#stack.at(-1)?.concurrent === true) {
          const next = this.#stack.pop();
          if (next !== undefined) together.push(next);
        }
        await Promise.all(together.map((t) => this.#run(t)));
      }
      // Whatever finished starting meanwhile is being stopped too: wait for it.
      for (const late of this.#late) await late;
    })();
    return this.#stopping;
  }

  async #run(s: Stopper): Promise<void> {
    const started = performance.now();
    this.#running.add(s.what);
    try {
      await s.stop();
    } catch (error) {
      this.#onError(s.what, error);
    }
    this.#running.delete(s.what);
    this.#onStopped(s.what, Math.round(performance.now() - started));
  }
}
