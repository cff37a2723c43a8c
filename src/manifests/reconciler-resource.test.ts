// Unit tests of the generated Reconciler resource's starting config: the top-level defaults of the descriptor's config schema.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configDefaults } from './reconciler-resource.ts';

test('configDefaults should collect each top-level property default, and nothing when there is none', () => {
  assert.deepEqual(
    configDefaults({
      type: 'object',
      properties: {
        image: { type: 'string', default: 'nginx' },
        replicas: { type: 'integer', default: 0 },
        flag: { type: 'boolean', default: false },
        free: { type: 'string' },
      },
    }),
    { image: 'nginx', replicas: 0, flag: false },
  );
  assert.equal(configDefaults(undefined), undefined);
  assert.equal(configDefaults({ type: 'object' }), undefined);
  assert.equal(configDefaults({ properties: { a: { type: 'string' } } }), undefined);
  assert.equal(configDefaults({ properties: [1] }), undefined);
});
