// What the Manager and its Controllers ask of leader election: may this relay reconcile now, and when will it first.
import type { LeaderElector } from './elector.ts';

/** Followers keep their caches warm and reconcile nothing: workers start once `acquired` resolves. */
export interface Leadership {
  /** True while this relay may write (it holds the Lease, or there is no election). */
  readonly leading: boolean;
  /** Resolves when this relay first leads. */
  readonly acquired: Promise<void>;
}

/** A relay that runs alone (no Lease): it always leads. */
export const ALWAYS_LEADING: Leadership = { leading: true, acquired: Promise.resolve() };

/** The Leadership an elector gives. */
export function leadershipOf(elector: LeaderElector): Leadership {
  return {
    get leading() {
      return elector.leading;
    },
    acquired: elector.acquired,
  };
}

/** Resolves when `leadership` is acquired, or false once `signal` aborts first. */
export function whenLeading(leadership: Leadership, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    void leadership.acquired.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(!signal.aborted);
    });
  });
}
