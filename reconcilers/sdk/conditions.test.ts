// Tests of condition transitions and the clock-free `observedAt` stamp.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EPOCH, observedAt, transition } from './conditions.ts';
import type { KubeObject } from './types.ts';

const obj = (metadata: Record<string, unknown>, status?: unknown): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', ...metadata },
  ...(status === undefined ? {} : { status }),
});

test('transition should keep lastTransitionTime when the status is unchanged', () => {
  const previous = [
    { type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z', reason: 'A' },
  ];
  const next = transition(
    previous,
    { type: 'Ready', status: 'True', reason: 'B', message: 'm' },
    '2026-05-05T00:00:00Z',
  );
  assert.equal(next.lastTransitionTime, '2026-01-01T00:00:00Z');
  assert.equal(next.reason, 'B');
});

test('transition should stamp now when the status changes or the condition is new', () => {
  const previous = [{ type: 'Ready', status: 'False', lastTransitionTime: '2026-01-01T00:00:00Z' }];
  const now = '2026-05-05T00:00:00Z';
  assert.equal(
    transition(previous, { type: 'Ready', status: 'True', reason: 'R', message: '' }, now).lastTransitionTime,
    now,
  );
  assert.equal(
    transition(previous, { type: 'Other', status: 'True', reason: 'R', message: '' }, now).lastTransitionTime,
    now,
  );
  assert.equal(
    transition(undefined, { type: 'Ready', status: 'True', reason: 'R', message: '' }, now)
      .lastTransitionTime,
    now,
  );
  assert.equal(
    transition('garbage', { type: 'Ready', status: 'True', reason: 'R', message: '' }, now)
      .lastTransitionTime,
    now,
  );
});

test('observedAt should be the latest timestamp found anywhere in the objects', () => {
  const objects = [
    obj({ creationTimestamp: '2026-01-01T00:00:00Z' }),
    obj({ managedFields: [{ time: '2026-03-01T00:00:00Z' }, { time: 'not a time' }] }),
    obj({}, { conditions: [{ type: 'Ready', lastTransitionTime: '2026-04-01T00:00:00Z' }] }),
    obj({}, { conditions: [{ type: 'Progressing', lastUpdateTime: '2026-04-02T10:00:00.5+02:00' }] }),
    obj({ deletionTimestamp: '2026-02-01T00:00:00Z' }),
  ];
  assert.equal(observedAt(objects), '2026-04-02T10:00:00.5+02:00');
});

test('observedAt should ignore text that only looks like a time', () => {
  const objects = [
    obj({ creationTimestamp: '2026-01-01T00:00:00Z' }),
    obj({ creationTimestamp: 'zzzz-zz-zzTzz:zz:zzZ' }), // 20 characters, sorts after every real time
    obj({ deletionTimestamp: '2026-13-01T00:00:00+01:00x' }),
  ];
  assert.equal(observedAt(objects), '2026-01-01T00:00:00Z');
});

test('observedAt should fall back to the epoch when no object carries a time', () => {
  assert.equal(observedAt([obj({ creationTimestamp: 12 }, { conditions: 'x' })]), EPOCH);
  assert.equal(observedAt([]), EPOCH);
});
