// Unit tests of the Lease decisions (client-go's tryAcquireOrRenew without I/O) and the MicroTime format.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attempt, microTime, released } from './lease.ts';

const NOW = Date.parse('2026-11-30T05:00:00.123Z');

test('microTime should print microseconds, as metav1.MicroTime does', () => {
  assert.equal(microTime(NOW), '2026-11-30T05:00:00.123000Z');
});

test('attempt should follow while another holder’s lease has not expired by this clock', () => {
  const decided = attempt({
    current: { holderIdentity: 'relay-a', leaseDurationSeconds: 15, leaseTransitions: 3 },
    observedAt: NOW - 14_000,
    now: NOW,
    identity: 'relay-b',
    leaseDurationSeconds: 15,
  });
  assert.deepEqual(decided, { kind: 'held', holder: 'relay-a', expiresInMs: 1000 });
});

test('attempt should judge expiry from when the record last changed here, not from its renewTime', () => {
  // renewTime far in the past (a skewed clock) does not make the lease expired: it was seen 1 s ago.
  const decided = attempt({
    current: {
      holderIdentity: 'relay-a',
      leaseDurationSeconds: 15,
      renewTime: '2020-01-01T00:00:00.000000Z',
    },
    observedAt: NOW - 1000,
    now: NOW,
    identity: 'relay-b',
    leaseDurationSeconds: 15,
  });
  assert.equal(decided.kind, 'held');
});

test('attempt should take an expired lease over, counting a transition and setting acquireTime', () => {
  const decided = attempt({
    current: { holderIdentity: 'relay-a', leaseDurationSeconds: 15, leaseTransitions: 3, acquireTime: 'x' },
    observedAt: NOW - 15_000,
    now: NOW,
    identity: 'relay-b',
    leaseDurationSeconds: 15,
  });
  assert.deepEqual(decided, {
    kind: 'write',
    renew: false,
    spec: {
      holderIdentity: 'relay-b',
      leaseDurationSeconds: 15,
      acquireTime: microTime(NOW),
      renewTime: microTime(NOW),
      leaseTransitions: 4,
    },
  });
});

test('attempt should renew its own lease keeping acquireTime and transitions', () => {
  const decided = attempt({
    current: {
      holderIdentity: 'relay-b',
      leaseDurationSeconds: 15,
      leaseTransitions: 4,
      acquireTime: 'then',
    },
    observedAt: NOW,
    now: NOW,
    identity: 'relay-b',
    leaseDurationSeconds: 15,
  });
  assert.ok(decided.kind === 'write');
  assert.equal(decided.renew, true);
  assert.deepEqual([decided.spec.acquireTime, decided.spec.leaseTransitions], ['then', 4]);
});

test('attempt should take a released lease (empty holder) at once', () => {
  const current = released({ holderIdentity: 'relay-a', leaseTransitions: 2 }, NOW);
  assert.deepEqual(
    [current.holderIdentity, current.leaseDurationSeconds, current.leaseTransitions],
    ['', 1, 2],
  );
  const decided = attempt({
    current,
    observedAt: NOW,
    now: NOW,
    identity: 'relay-b',
    leaseDurationSeconds: 15,
  });
  assert.ok(decided.kind === 'write');
  assert.equal(decided.spec.leaseTransitions, 3);
});
