// Stops what `npm start` started, in reverse order, once: on Ctrl-C, SIGTERM, a failed start or a crash.

interface Stopper {
  what: string;
  stop: () => Promise<void>;
}

/**
 * A stack of stop functions. `add` after `stop` began runs the new one right away (something that finished
 * starting while we were already shutting down). Each stop runs once; one failing does not skip the rest.
 */
export class Session {
  readonly #stack: Stopper[] = [];
  readonly #late: Promise<void>[] = [];
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

  /** True once `stop` was called. */
  isStopping(): boolean {
    return this.#stopping !== undefined;
  }

  add(what: string, stop: () => Promise<void>): void {
    if (this.#stopping !== undefined) {
      this.#late.push(this.#run({ what, stop }));
      return;
    }
    this.#stack.push({ what, stop });
  }

  /** Runs every stop function, last added first. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      for (let s = this.#stack.pop(); s !== undefined; s = this.#stack.pop()) await this.#run(s);
      // Whatever finished starting meanwhile is being stopped too: wait for it.
      for (const late of this.#late) await late;
    })();
    return this.#stopping;
  }

  async #run(s: Stopper): Promise<void> {
    const started = performance.now();
    try {
      await s.stop();
    } catch (error) {
      this.#onError(s.what, error);
    }
    this.#onStopped(s.what, Math.round(performance.now() - started));
  }
}
