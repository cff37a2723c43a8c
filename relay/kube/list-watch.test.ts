// Unit tests of what the ListerWatcher keeps of each object at ingest.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LAST_APPLIED, trim } from './list-watch.ts';
import type { KObject } from './object.ts';

test('trim should drop managedFields and the last-applied-configuration annotation, keeping other annotations', () => {
  const obj: KObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'a',
      managedFields: [{ manager: 'kubectl' }],
      annotations: { [LAST_APPLIED]: '{"huge":"manifest"}', keep: 'me' },
    },
  };
  assert.deepEqual(trim(obj).metadata, { name: 'a', annotations: { keep: 'me' } });
});

test('trim should remove an annotations map left empty, as the apiserver would omit it', () => {
  const obj: KObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'a', annotations: { [LAST_APPLIED]: '{}' } },
  };
  assert.deepEqual(trim(obj).metadata, { name: 'a' });
});
