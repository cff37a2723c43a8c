// Unit tests of the answer limits: rejections name the limit, Events are capped, requeue-after is clamped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AnswerLimits } from '../api/reconciler.ts';
import { AnswerLimitExceeded, bound } from './limits.ts';
import { answer } from '../testing/answer.ts';

const limits = AnswerLimits.parse({});
const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } };

test('bound should reject too many desired objects or too big a status, naming the limit', () => {
  assert.throws(
    () => bound('ns/a', answer({ desired: Array.from({ length: 101 }, () => cm) }), limits),
    (e: unknown) =>
      e instanceof AnswerLimitExceeded &&
      e.limit === 'maxDesiredObjects' &&
      e.message.includes('spec.limits.maxDesiredObjects'),
  );
  assert.throws(
    () => bound('ns/a', answer({ status: { big: 'x'.repeat(70_000) } }), limits),
    (e: unknown) => e instanceof AnswerLimitExceeded && e.limit === 'maxStatusBytes' && e.key === 'ns/a',
  );
});

test('bound should keep the first Events up to the cap and count the rest', () => {
  const events = Array.from({ length: 5000 }, (_, i) => ({
    type: 'Normal' as const,
    reason: 'R',
    message: `${i}`,
  }));
  const b = bound('ns/a', answer({ events }), limits);
  assert.equal(b.events.length, 10);
  assert.equal(b.droppedEvents, 4990);
});

test('bound should clamp requeue-after into its bounds', () => {
  assert.deepEqual(
    [
      bound('k', answer({ requeueAfterMs: 0 }), limits).requeueAfterMs,
      bound('k', answer({ requeueAfterMs: 0 }), limits).requeueClamped,
    ],
    [1000, true],
  );
  assert.equal(bound('k', answer({ requeueAfterMs: 5000 }), limits).requeueClamped, false);
  assert.equal(bound('k', answer({ requeueAfterMs: 0xffff_ffff }), limits).requeueAfterMs, 86_400_000);
  assert.equal(bound('k', answer(), limits).requeueAfterMs, null);
});
