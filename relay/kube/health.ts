// Tells whether the apiserver is reachable now: calls and watches failing for longer than a bound make it unreachable.
//
// Fed by the KubeClient's hooks and by the watchers: any answer the apiserver gives (even a 404 or a
// 409) and any watch line prove it reachable; no answer at all, a 5xx or a 401 count as failures, and
// so does a watch that stalled. One success ends a failure streak. No polling: an idle relay is kept
// fresh by its watches' bookmarks (about one a minute per watch).
import type { Clock } from '../clock.ts';
import { realClock } from '../clock.ts';

/** A status that says the relay cannot work with the apiserver now (0 = no answer). */
export function isFailure(status: number): boolean {
  return status === 0 || status === 401 || status >= 500;
}

export interface ApiReachability {
  reachable: boolean;
  /** How long calls have been failing without a success in between, if they are. */
  failingForMs: number | undefined;
  /** The last failure, for the operator. */
  lastFailure: string | undefined;
}

export class ApiHealth {
  readonly unreachableAfterMs: number;
  #clock: Clock;
  #failingSince: number | undefined;
  #lastFailure: string | undefined;

  constructor(options: { unreachableAfterMs?: number; clock?: Clock } = {}) {
    this.unreachableAfterMs = options.unreachableAfterMs ?? 30_000;
    this.#clock = options.clock ?? realClock;
  }

  /** The apiserver answered, or a watch delivered something. */
  succeeded(): void {
    this.#failingSince = undefined;
  }

  /** A call or watch failed without a useful answer. */
  failed(what: string): void {
    this.#failingSince ??= this.#clock.now();
    this.#lastFailure = what;
  }

  /** Records a call's HTTP status (0 = no answer). */
  record(verb: string, status: number): void {
    if (isFailure(status)) this.failed(`${verb} ${status === 0 ? 'no answer' : String(status)}`);
    else this.succeeded();
  }

  now(): ApiReachability {
    const failingForMs =
      this.#failingSince === undefined ? undefined : this.#clock.now() - this.#failingSince;
    return {
      reachable: failingForMs === undefined || failingForMs <= this.unreachableAfterMs,
      failingForMs,
      lastFailure: this.#lastFailure,
    };
  }
}

/** `network`, `4xx` or `5xx`: the code class label of `zeroloop_apiserver_errors_total`. */
export function codeClass(status: number): string {
  return status === 0 ? 'network' : `${String(Math.floor(status / 100))}xx`;
}
