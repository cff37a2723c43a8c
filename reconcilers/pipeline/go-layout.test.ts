// Unit tests of the Go SDK layout check: what counts as a difference between wit/ and layout.go.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { layoutDifferences } from './go-layout.ts';

const want = new Map([
  ['requestPrimary', 0],
  ['requestSize', 68],
]);

test('an identical table has no differences', () => {
  assert.deepEqual(layoutDifferences(want, new Map(want)), []);
});

test('a moved, a missing and a stale constant are each named', () => {
  const have = new Map([
    ['requestPrimary', 4],
    ['requestGone', 8],
  ]);
  assert.deepEqual(layoutDifferences(want, have), [
    'requestPrimary is 4, wit/ says 0',
    'requestSize = 68 is missing',
    'requestGone is not in wit/ any more',
  ]);
});
