// Unit tests of the checks run when a Reconciler is loaded: spec.config against the descriptor's JSON Schema (the field named as a JSON pointer), its bound, the finalizer name, and which changes need a restart.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ControllerConfig, ReconcilerSpec } from '../api/reconciler.ts';
import {
  changeOf,
  checkAgainstDescriptor,
  MAX_CONFIG_BYTES,
  ReconcilerRefused,
} from './reconciler-config.ts';

const SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    image: { type: 'string', minLength: 1 },
    maxReplicas: { type: 'integer', minimum: 1, maximum: 10 },
    features: { type: 'object', properties: { banner: { type: 'boolean' } } },
  },
  required: ['image'],
};

const spec = (config?: Record<string, unknown>, more: Record<string, unknown> = {}) =>
  ReconcilerSpec.parse({
    reconciler: 'website',
    endpoint: 'http://127.0.0.1:8787',
    signingSecretRef: { namespace: 'zeroloop-system', name: 'signing', key: 'secret' },
    primary: { apiVersion: 'examples.zeroloop.dev/v1alpha1', kind: 'Website' },
    ...(config && { config }),
    ...more,
  });

function refusal(fn: () => unknown): ReconcilerRefused {
  try {
    fn();
  } catch (error) {
    if (error instanceof ReconcilerRefused) return error;
    throw error;
  }
  assert.fail('not refused');
}

test('reconciler config should pass a config the schema accepts, and no config at all', () => {
  assert.deepEqual(
    checkAgainstDescriptor('w', spec({ image: 'nginx:1.27', maxReplicas: 3 }), { configSchema: SCHEMA }),
    { finalizerName: undefined },
  );
  assert.doesNotThrow(() => checkAgainstDescriptor('w', spec(), {}));
});

test('reconciler config should name the refused field as a JSON pointer in the Reconciler', () => {
  const range = refusal(() =>
    checkAgainstDescriptor('w', spec({ image: 'x', maxReplicas: 50 }), { configSchema: SCHEMA }),
  );
  assert.equal(range.reason, 'InvalidConfig');
  assert.equal(range.pointer, '/spec/config/maxReplicas');
  assert.match(
    range.message,
    /spec\.config of Reconciler w is refused at \/spec\/config\/maxReplicas: .*fix spec\.config/,
  );
  const nested = refusal(() =>
    checkAgainstDescriptor('w', spec({ image: 'x', features: { banner: 'yes' } }), { configSchema: SCHEMA }),
  );
  assert.equal(nested.pointer, '/spec/config/features/banner');
  const missing = refusal(() =>
    checkAgainstDescriptor('w', spec({ maxReplicas: 2 }), { configSchema: SCHEMA }),
  );
  assert.equal(missing.pointer, '/spec/config');
  assert.match(missing.message, /image/);
});

test('reconciler config should refuse a config when the reconciler declares no schema, or one over the bound', () => {
  const none = refusal(() => checkAgainstDescriptor('w', spec({ image: 'x' }), {}));
  assert.equal(none.reason, 'InvalidConfig');
  assert.match(none.message, /declares no configSchema.*remove spec\.config/);
  const big = refusal(() =>
    checkAgainstDescriptor('w', spec({ image: 'x'.repeat(MAX_CONFIG_BYTES) }), {
      configSchema: { type: 'object' },
    }),
  );
  assert.match(big.message, /over the 65536-byte bound/);
});

test('reconciler config should refuse a finalizer name outside the primary’s group when the Reconciler holds a finalizer', () => {
  const holding = spec(undefined, { finalizer: true });
  const refused = refusal(() => checkAgainstDescriptor('w', holding, { finalizerName: 'kubernetes.io/x' }));
  assert.equal(refused.reason, 'InvalidFinalizerName');
  assert.deepEqual(checkAgainstDescriptor('w', holding, { finalizerName: 'examples.zeroloop.dev/cleanup' }), {
    finalizerName: 'examples.zeroloop.dev/cleanup',
  });
  assert.deepEqual(checkAgainstDescriptor('w', holding, {}), { finalizerName: undefined }, 'the default');
  assert.deepEqual(
    checkAgainstDescriptor('w', spec(), { finalizerName: 'kubernetes.io/x' }),
    { finalizerName: undefined },
    'no finalizer held: its name does not matter',
  );
});

test('reconciler config change should be none for a key reorder, config for a new config, restart for anything else', () => {
  const config = (s: ReturnType<typeof spec>): ControllerConfig => ({ name: 'w', spec: s, signingKey: 'k' });
  const base = config(spec({ image: 'a', maxReplicas: 2 }));
  assert.equal(changeOf(base, config(spec({ maxReplicas: 2, image: 'a' }))), 'none');
  assert.equal(changeOf(base, config(spec({ image: 'b', maxReplicas: 2 }))), 'config');
  assert.equal(changeOf(base, config(spec())), 'config', 'config removed');
  assert.equal(changeOf(base, config(spec({ image: 'a', maxReplicas: 2 }, { concurrency: 8 }))), 'restart');
  assert.equal(changeOf(base, { ...base, signingKey: 'other' }), 'restart');
});
