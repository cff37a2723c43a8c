// Unit tests of flap detection: consecutive writing reconciles at one generation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FlapDetector } from './flapping.ts';

test('flap detector should flag a primary after threshold writing reconciles at one generation', () => {
  const flaps = new FlapDetector({ threshold: 3 });
  assert.equal(flaps.record('a', 1, true), undefined);
  assert.equal(flaps.record('a', 1, true), undefined);
  assert.equal(flaps.record('a', 1, true), 'started');
  assert.equal(flaps.isFlapping('a'), true);
  assert.equal(flaps.record('a', 1, true), undefined, 'reported once');
  assert.equal(flaps.record('a', 1, false), 'stopped', 'a reconcile that writes nothing ends it');
  assert.equal(flaps.isFlapping('a'), false);
});

test('flap detector should start over when the primary itself changes', () => {
  const flaps = new FlapDetector({ threshold: 3 });
  flaps.record('a', 1, true);
  flaps.record('a', 1, true);
  assert.equal(flaps.record('a', 2, true), undefined, 'a new generation explains the write');
  assert.equal(flaps.isFlapping('a'), false);
  assert.equal(flaps.forget('a'), false);
});

test('flap detector should double the wait of a flapping key, from twice what it asked, up to the cap', () => {
  const flaps = new FlapDetector({ threshold: 1, baseDelayMs: 1000, maxDelayMs: 10_000 });
  flaps.record('a', 1, true);
  assert.deepEqual(
    [
      flaps.slowed('a', 1000),
      flaps.slowed('a', 1000),
      flaps.slowed('a'),
      flaps.slowed('a'),
      flaps.slowed('a'),
    ],
    [2000, 4000, 8000, 10_000, 10_000],
  );
  flaps.record('a', 1, false);
  assert.equal(flaps.slowed('a'), 1000, 'starts over once it stopped');
});
