// Unit tests of Retry-After parsing: seconds, an HTTP date, and absent or unreadable values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRetryAfter } from './retry-after.ts';

test('parseRetryAfter should read seconds as milliseconds', () => {
  assert.equal(parseRetryAfter('3'), 3000);
  assert.equal(parseRetryAfter(' 0 '), 0);
});

test('parseRetryAfter should read an HTTP date relative to now, never negative', () => {
  const now = Date.parse('Mon, 07 Dec 2026 12:00:00 GMT');
  assert.equal(parseRetryAfter('Mon, 07 Dec 2026 12:00:05 GMT', now), 5000);
  assert.equal(parseRetryAfter('Mon, 07 Dec 2026 11:59:00 GMT', now), 0);
});

test('parseRetryAfter should give undefined for an absent or unreadable value', () => {
  assert.equal(parseRetryAfter(null), undefined);
  assert.equal(parseRetryAfter(''), undefined);
  assert.equal(parseRetryAfter('soon'), undefined);
});
