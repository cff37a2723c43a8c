// takeToken: a full bucket of perMinute, refilled evenly; Retry-After is the wait for one token.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { takeToken, type Bucket } from './rate-limit.ts';

test('takeToken should allow a burst of perMinute, then refuse with the seconds until a token is back', () => {
  let bucket: Bucket | undefined;
  for (let i = 0; i < 3; i++) {
    const take = takeToken(bucket, 3, 1000);
    assert.equal(take.allowed, true);
    bucket = take.bucket;
  }
  const refused = takeToken(bucket, 3, 1000);
  assert.ok(!refused.allowed);
  assert.equal(refused.retryAfterSeconds, 20);
});

test('takeToken should refill at perMinute/60 a second, up to perMinute', () => {
  const empty: Bucket = { tokens: 0, at: 0 };
  assert.equal(takeToken(empty, 60, 999).allowed, false);
  assert.equal(takeToken(empty, 60, 1000).allowed, true);
  const later = takeToken(empty, 60, 3_600_000);
  assert.equal(later.allowed && later.bucket.tokens, 59);
});
