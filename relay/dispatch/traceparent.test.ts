// Unit tests of the pooled traceparent ids.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newTraceparent } from './traceparent.ts';

test('newTraceparent should give well-formed, sampled traceparents with distinct ids across pool refills', () => {
  const seen = new Set<string>();
  const parents = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const tp = newTraceparent();
    const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(tp);
    assert.ok(m, tp);
    seen.add(m[1] ?? '');
    parents.add(m[2] ?? '');
  }
  assert.equal(seen.size, 1000, 'every trace id differs');
  assert.equal(parents.size, 1000, 'every parent id differs');
});
