// Unit tests of what the ListerWatcher keeps of each object at ingest.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LAST_APPLIED, trim } from './list-watch.ts';
import type { KObject } from '../kube/object.ts';

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

test('trim should keep the values of the metadata strings it interns', () => {
  const parse = (name: string): KObject =>
    JSON.parse(
      JSON.stringify({
        apiVersion: 'examples.zeroloop.dev/v1alpha1',
        kind: 'Website',
        metadata: {
          name,
          namespace: 'a-long-namespace-name',
          creationTimestamp: '2026-11-30T03:00:00Z',
          labels: { 'zeroloop.dev/owner': 'uid-of-the-owner-0000' },
          ownerReferences: [{ apiVersion: 'example.dev/v1', kind: 'Owner', name: 'owner', uid: 'uid-1' }],
        },
      }),
    ) as KObject;
  const [a, b] = [trim(parse('a')), trim(parse('b'))];
  assert.equal(a.metadata.namespace, 'a-long-namespace-name');
  assert.deepEqual(b.metadata.labels, { 'zeroloop.dev/owner': 'uid-of-the-owner-0000' });
  assert.equal(a.metadata.ownerReferences?.[0]?.uid, 'uid-1');
});
