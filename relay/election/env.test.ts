// Unit tests of the leader election settings read from the relay's environment.
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { test } from 'node:test';
import { LeaderElectionConfigInvalid } from './timing.ts';
import { DEFAULT_LEASE_NAME, leaderElectionFromEnv, relayIdentity } from './env.ts';

test('leaderElectionFromEnv should be off unless LEADER_ELECTION=true', () => {
  assert.equal(leaderElectionFromEnv({}), undefined);
  assert.equal(leaderElectionFromEnv({ LEADER_ELECTION: 'false', POD_NAMESPACE: 'x' }), undefined);
});

test('leaderElectionFromEnv should use the Pod’s name and namespace from the downward API', () => {
  assert.deepEqual(
    leaderElectionFromEnv({
      LEADER_ELECTION: 'true',
      POD_NAME: 'relay-7f-abc',
      POD_NAMESPACE: 'zeroloop-system',
    }),
    { namespace: 'zeroloop-system', name: DEFAULT_LEASE_NAME, identity: 'relay-7f-abc' },
  );
});

test('leaderElectionFromEnv should read the timings and lease name', () => {
  const options = leaderElectionFromEnv(
    {
      LEADER_ELECTION: 'true',
      LEADER_ELECTION_NAMESPACE: 'ns',
      LEADER_ELECTION_LEASE_NAME: 'l',
      LEADER_ELECTION_LEASE_DURATION_MS: '4000',
      LEADER_ELECTION_RENEW_DEADLINE_MS: '3000',
      LEADER_ELECTION_RETRY_PERIOD_MS: '500',
    },
    42,
  );
  assert.deepEqual(options, {
    namespace: 'ns',
    name: 'l',
    identity: `${hostname()}_42`,
    leaseDurationMs: 4000,
    renewDeadlineMs: 3000,
    retryPeriodMs: 500,
  });
});

test('leaderElectionFromEnv should refuse a bad flag, a missing namespace and a bad timing, saying what to set', () => {
  assert.throws(() => leaderElectionFromEnv({ LEADER_ELECTION: 'yes' }), LeaderElectionConfigInvalid);
  assert.throws(() => leaderElectionFromEnv({ LEADER_ELECTION: 'true' }), /set POD_NAMESPACE/);
  assert.throws(
    () =>
      leaderElectionFromEnv({
        LEADER_ELECTION: 'true',
        POD_NAMESPACE: 'n',
        LEADER_ELECTION_RETRY_PERIOD_MS: '2s',
      }),
    /LEADER_ELECTION_RETRY_PERIOD_MS is "2s"/,
  );
});

test('relayIdentity should fall back to hostname and pid', () => {
  assert.equal(relayIdentity({ POD_NAME: 'p' }), 'p');
  assert.equal(relayIdentity({}, 7), `${hostname()}_7`);
});
