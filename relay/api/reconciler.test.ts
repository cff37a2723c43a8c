// Unit tests of the Reconciler schema: defaults, and clear refusals of bad specs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ReconcilerResource, ReconcilerSpec } from './reconciler.ts';

const minimal = {
  reconciler: 'website',
  endpoint: 'http://127.0.0.1:8787',
  signingSecretRef: { namespace: 'zeroloop-system', name: 'worker-signing', key: 'secret' },
  primary: { apiVersion: 'examples.zeroloop.dev/v1alpha1', kind: 'Website' },
};

test('reconciler spec should fill defaults', () => {
  const spec = ReconcilerSpec.parse(minimal);
  assert.deepEqual(spec.owns, []);
  assert.deepEqual(spec.namespaces, []);
  assert.equal(spec.concurrency, 4);
  assert.equal(spec.timeoutSeconds, 10);
  assert.equal(spec.finalizer, false);
});

test('reconciler spec should refuse a bad endpoint, name or concurrency', () => {
  assert.equal(ReconcilerSpec.safeParse({ ...minimal, endpoint: 'ftp://x' }).success, false);
  assert.equal(ReconcilerSpec.safeParse({ ...minimal, reconciler: 'Web Site' }).success, false);
  assert.equal(ReconcilerSpec.safeParse({ ...minimal, concurrency: 0 }).success, false);
  assert.equal(ReconcilerSpec.safeParse({ ...minimal, owns: [{ kind: 'ConfigMap' }] }).success, false);
});

test('the CRD schema should list every field of the zod schema', () => {
  const crd = readFileSync(
    new URL('../../deploy/crds/reconcilers.zeroloop.dev.yaml', import.meta.url),
    'utf8',
  );
  for (const field of Object.keys(ReconcilerSpec.def.shape))
    assert.match(crd, new RegExp(`\\n {16}${field}:`));
});

test('reconciler resource should parse a full object', () => {
  const parsed = ReconcilerResource.parse({
    apiVersion: 'zeroloop.dev/v1alpha1',
    kind: 'Reconciler',
    metadata: { name: 'website', generation: 1 },
    spec: minimal,
  });
  assert.equal(parsed.spec.reconciler, 'website');
});
