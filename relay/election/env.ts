// Reads the relay's leader election settings from its environment (LEADER_ELECTION, POD_NAME, POD_NAMESPACE, …), with a clear error for each bad value.
import { hostname } from 'node:os';
import type { LeaderElectionOptions } from './elector.ts';
import { LeaderElectionConfigInvalid } from './timing.ts';

/** The Lease every replica of the relay elects on, unless LEADER_ELECTION_LEASE_NAME says otherwise. */
export const DEFAULT_LEASE_NAME = 'zeroloop-relay';

type Env = Readonly<Record<string, string | undefined>>;

/** This replica's identity: the Pod's name (downward API), else `<hostname>_<pid>` for a local run. */
export function relayIdentity(env: Env, pid: number = process.pid): string {
  return env.POD_NAME && env.POD_NAME !== '' ? env.POD_NAME : `${hostname()}_${String(pid)}`;
}

/**
 * Leader election options from the environment, or undefined when LEADER_ELECTION is unset or
 * `false` (a single relay, as `npm start` runs it). The Deployment sets LEADER_ELECTION=true.
 */
export function leaderElectionFromEnv(
  env: Env,
  pid: number = process.pid,
): LeaderElectionOptions | undefined {
  const flag = env.LEADER_ELECTION ?? 'false';
  if (flag !== 'true' && flag !== 'false')
    throw new LeaderElectionConfigInvalid(
      `LEADER_ELECTION is ${JSON.stringify(flag)}; set it to true or false`,
    );
  if (flag === 'false') return undefined;
  const namespace = env.LEADER_ELECTION_NAMESPACE ?? env.POD_NAMESPACE;
  if (!namespace)
    throw new LeaderElectionConfigInvalid(
      'LEADER_ELECTION=true needs the Lease namespace: set POD_NAMESPACE (downward API metadata.namespace) or LEADER_ELECTION_NAMESPACE',
    );
  const ms = (name: string): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0)
      throw new LeaderElectionConfigInvalid(
        `${name} is ${JSON.stringify(raw)}; set it to a positive whole number of milliseconds`,
      );
    return value;
  };
  const leaseDurationMs = ms('LEADER_ELECTION_LEASE_DURATION_MS');
  const renewDeadlineMs = ms('LEADER_ELECTION_RENEW_DEADLINE_MS');
  const retryPeriodMs = ms('LEADER_ELECTION_RETRY_PERIOD_MS');
  return {
    namespace,
    name: env.LEADER_ELECTION_LEASE_NAME ?? DEFAULT_LEASE_NAME,
    identity: relayIdentity(env, pid),
    ...(leaseDurationMs !== undefined ? { leaseDurationMs } : {}),
    ...(renewDeadlineMs !== undefined ? { renewDeadlineMs } : {}),
    ...(retryPeriodMs !== undefined ? { retryPeriodMs } : {}),
  };
}
