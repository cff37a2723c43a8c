// summarize: dotted fields out of a payload, in order, within maxBytes, marked when something was left out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pick, summarize, TRUNCATED_KEY } from './summary.ts';

const push = {
  ref: 'refs/heads/main',
  after: 'abc',
  repository: { full_name: 'o/r' },
  commits: [{ id: 'c1' }],
};

test('summarize should pick dotted fields and array indexes, leaving absent ones out', () => {
  assert.deepEqual(
    summarize(push, { maxBytes: 4096, fields: ['ref', 'repository.full_name', 'commits.0.id', 'nope.x'] }),
    {
      ref: 'refs/heads/main',
      'repository.full_name': 'o/r',
      'commits.0.id': 'c1',
    },
  );
});

test('summarize should stay within maxBytes and mark what it left out', () => {
  const body = { a: 'x'.repeat(50), b: 'y'.repeat(500), c: 1 };
  const out = summarize(body, { maxBytes: 100, fields: ['a', 'b', 'c'] });
  assert.deepEqual(out, { a: body.a, c: 1, [TRUNCATED_KEY]: true });
  assert.ok(JSON.stringify(out).length <= 100);
});

test('pick should not read inherited properties', () => {
  assert.equal(pick({}, 'constructor'), undefined);
  assert.equal(pick({ a: {} }, 'a.__proto__'), undefined);
});
