// Tests of SpecReader: typed reads with defaults, and one err listing every problem.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReconcileError } from './errors.ts';
import { SpecReader } from './spec.ts';
import type { KubeObject } from './types.ts';

const primary = (spec: unknown): KubeObject => ({
  apiVersion: 'x/v1',
  kind: 'X',
  metadata: { name: 'a' },
  spec,
});

test('SpecReader should read valid fields and apply defaults', () => {
  const spec = new SpecReader(primary({ name: 'web', count: 3, on: false }), 'X ns/a');
  assert.equal(spec.string('name', { required: true }), 'web');
  assert.equal(spec.string('absent'), undefined);
  assert.equal(spec.string('image', { default: 'nginx' }), 'nginx');
  assert.equal(spec.integer('count', { min: 1, max: 5, default: 1 }), 3);
  assert.equal(spec.integer('other', { default: 7 }), 7);
  assert.equal(spec.boolean('on', { default: true }), false);
  assert.equal(spec.boolean('off', { default: true }), true);
  spec.done();
});

test('SpecReader should report every bad field in one err naming the object', () => {
  const spec = new SpecReader(
    primary({ count: '3', size: 2.5, low: 0, name: 7, on: 'yes', tag: 'BAD' }),
    'X ns/a',
  );
  spec.integer('count', { min: 1 });
  spec.integer('size');
  spec.integer('low', { min: 1, max: 3 });
  spec.integer('members', { required: true, min: 1 });
  spec.string('name');
  spec.string('tag', { pattern: /^[a-z]+$/ });
  spec.boolean('on', { default: false });
  assert.equal(spec.problems.length, 7);
  assert.throws(
    () => {
      spec.done();
    },
    (error: unknown) => {
      assert.ok(error instanceof ReconcileError);
      assert.match(error.payload, /^X ns\/a: invalid spec: /);
      assert.match(error.payload, /spec\.count must be an integer >= 1, got "3"/);
      assert.match(error.payload, /spec\.size must be an integer, got 2\.5/);
      assert.match(error.payload, /spec\.low must be an integer between 1 and 3, got 0/);
      assert.match(error.payload, /spec\.members is required \(an integer >= 1\)/);
      assert.match(error.payload, /spec\.name must be a string, got 7/);
      assert.match(error.payload, /spec\.tag must match/);
      assert.match(error.payload, /spec\.on must be true or false, got "yes"/);
      return true;
    },
  );
});

test('SpecReader should reject a missing or non-object spec', () => {
  for (const [value, text] of [
    [undefined, 'spec is missing'],
    [[1], 'spec must be an object, got an array'],
    ['s', 'spec must be an object, got "s"'],
  ] as const) {
    const spec = new SpecReader(primary(value), 'X a');
    assert.throws(
      () => {
        spec.done();
      },
      new RegExp(text.replace(/[[\]]/g, '\\$&')),
    );
  }
});
