// Unit tests of the pooled random hex source.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomHex } from './random-hex.ts';

test('randomHex should give lowercase hex of the asked length, distinct across pool refills', () => {
  const seen = new Set<string>();
  // 16 bytes × 1,000 is about four refills of the 4 KiB pool.
  for (let i = 0; i < 1000; i++) {
    const hex = randomHex(16);
    assert.match(hex, /^[0-9a-f]{32}$/);
    seen.add(hex);
  }
  assert.equal(seen.size, 1000, 'every value differs');
  assert.match(randomHex(5), /^[0-9a-f]{10}$/, 'sizes that do not divide the pool');
});
