// Unit tests of the JSON limits scan: depth counting, numbers out of float64 range, paths, and what it leaves to JSON.parse.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findJsonLimitViolation, formatPath } from './json-limits.ts';

const nested = (depth: number, inner = '1') => '{"a":'.repeat(depth) + inner + '}'.repeat(depth);

describe('findJsonLimitViolation', () => {
  test('accepts JSON at exactly the depth limit and refuses one level more', () => {
    assert.equal(findJsonLimitViolation(nested(5), 5), undefined);
    assert.deepEqual(findJsonLimitViolation(nested(6), 5), {
      kind: 'too_deep',
      maxDepth: 5,
      path: ['a', 'a', 'a', 'a', 'a'],
    });
  });

  test('counts arrays and objects alike, and names array indexes in the path', () => {
    assert.deepEqual(findJsonLimitViolation('{"x":[1,2,{"y":[[]]}]}', 4), {
      kind: 'too_deep',
      maxDepth: 4,
      path: ['x', 2, 'y', 0],
    });
  });

  test('ignores brackets, quotes and numbers inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ s: '[[[[{{{{ 1e400 \\" \\\\', t: '"]]]' });
    assert.equal(findJsonLimitViolation(text, 1), undefined);
  });

  test('refuses a number that parses to Infinity, either sign, naming its path', () => {
    assert.deepEqual(findJsonLimitViolation('{"primary":{"spec":{"size":1e400}}}', 10), {
      kind: 'number_out_of_range',
      literal: '1e400',
      path: ['primary', 'spec', 'size'],
    });
    assert.deepEqual(findJsonLimitViolation('[0, -2E+309]', 10), {
      kind: 'number_out_of_range',
      literal: '-2E+309',
      path: [1],
    });
    const digits = '9'.repeat(400);
    assert.equal(findJsonLimitViolation(`{"n":${digits}}`, 10)?.kind, 'number_out_of_range');
  });

  test('accepts the largest float64, tiny numbers that round to zero, and long integers that fit', () => {
    for (const n of ['1.7976931348623157e308', '1e-400', '-0', '1'.repeat(308), '123.5e-7']) {
      assert.equal(findJsonLimitViolation(`[${n}]`, 10), undefined, n);
    }
  });

  test('decodes escaped keys in the path', () => {
    const violation = findJsonLimitViolation('{"a\\"b\\u00e9":1e999}', 10);
    assert.deepEqual(violation?.path, ['a"bé']);
  });

  test('leaves syntax errors to JSON.parse', () => {
    for (const text of ['{"a":', '1e', '-', '{"a" 1e400}', '"unterminated', ']]]']) {
      const violation = findJsonLimitViolation(text, 10);
      assert.ok(violation === undefined || violation.kind === 'number_out_of_range', text);
    }
  });

  test('scans a 4 MiB body nested a million levels quickly, stopping at the limit', () => {
    const text = '['.repeat(2_000_000) + ']'.repeat(2_000_000);
    const started = performance.now();
    assert.equal(findJsonLimitViolation(text, 100)?.kind, 'too_deep');
    assert.ok(performance.now() - started < 50, 'stops at level 101');
  });
});

describe('formatPath', () => {
  test('joins with dots, names the root, and shortens long keys and long paths', () => {
    assert.equal(formatPath([]), '(root)');
    assert.equal(formatPath(['owned', 3, 'data']), 'owned.3.data');
    assert.equal(formatPath(['k'.repeat(100)]), `${'k'.repeat(40)}…`);
    assert.equal(formatPath(Array.from({ length: 100 }, () => 'a')), 'a.a.a.a.a.a.…(92 more)….a.a');
  });
});
