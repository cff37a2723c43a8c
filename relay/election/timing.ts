// The leader election's timings: client-go's shape with a shorter lease, and the rules that keep a leader's fence inside the lease a follower waits out.
/**
 * client-go's retry period with a lease 3 s shorter than its 15 s default (and the renew deadline with it,
 * keeping client-go's lease − renew-deadline ratio): a follower takes over at most lease + one jittered retry
 * after a crash, 14.4 s, inside the 15 s a platform team expects, where client-go's defaults land up to
 * 17.4 s (relay/README.md, "High availability"; bench/results/leader-takeover.md). The fence keeps a 4 s margin.
 */
export const ELECTION_DEFAULTS = { leaseDurationMs: 12_000, renewDeadlineMs: 8_000, retryPeriodMs: 2000 };
/** A follower's retry period is stretched by up to this fraction, so followers do not retry in step. */
export const RETRY_JITTER = 0.2;

/** The election's timings contradict each other; fix the options. */
export class LeaderElectionConfigInvalid extends Error {
  override readonly name = 'LeaderElectionConfigInvalid';
}

export type ElectionTiming = typeof ELECTION_DEFAULTS;

/** The timings of `options` (defaults filled in); throws LeaderElectionConfigInvalid when they contradict each other. */
export function electionTiming(options: Partial<ElectionTiming>): ElectionTiming {
  const leaseDurationMs = options.leaseDurationMs ?? ELECTION_DEFAULTS.leaseDurationMs;
  const renewDeadlineMs = options.renewDeadlineMs ?? ELECTION_DEFAULTS.renewDeadlineMs;
  const retryPeriodMs = options.retryPeriodMs ?? ELECTION_DEFAULTS.retryPeriodMs;
  if (leaseDurationMs % 1000 !== 0 || leaseDurationMs < 1000)
    throw new LeaderElectionConfigInvalid(
      `leaseDurationMs ${leaseDurationMs} must be a whole number of seconds (the Lease stores seconds)`,
    );
  if (leaseDurationMs <= renewDeadlineMs)
    throw new LeaderElectionConfigInvalid(
      `leaseDurationMs ${leaseDurationMs} must be greater than renewDeadlineMs ${renewDeadlineMs}, or a follower could take over while the leader still writes`,
    );
  if (renewDeadlineMs <= retryPeriodMs * (1 + RETRY_JITTER))
    throw new LeaderElectionConfigInvalid(
      `renewDeadlineMs ${renewDeadlineMs} must be greater than ${1 + RETRY_JITTER} × retryPeriodMs ${retryPeriodMs}, or one slow retry loses the lease`,
    );
  return { leaseDurationMs, renewDeadlineMs, retryPeriodMs };
}
