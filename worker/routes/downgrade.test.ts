// Unit tests of the request adapter: what a component built against WIT 0.1 is given, and that 0.2 components get everything.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { requestToWit } from '../../src/contract/wit.ts';
import { ReconcileRequest } from '../../src/protocol/schemas.ts';
import { WIT_VERSION } from '../../src/protocol/version.ts';
import { downgradeRequest } from './downgrade.ts';

const base: ReconcileRequest = {
  primary: {
    apiVersion: 'examples.zeroloop.dev/v1alpha1',
    kind: 'Website',
    metadata: { name: 'w', namespace: 'ns' },
  },
  owned: [],
  related: [],
  trigger: {
    type: 'external',
    hook: 'git-push',
    source: 'github',
    event: 'push',
    delivery: 'd-1',
    summary: { ref: 'refs/heads/main' },
  },
  finalizing: false,
  config: { defaultImage: 'nginx:1.27' },
  lastWrite: { state: 'failed', step: 'apply', message: 'denied' },
};

describe('downgradeRequest', () => {
  test('a 0.1 component should get no config and no lastWrite, and an external trigger as primary', () => {
    for (const wit of ['0.1.0', '0.1.7']) {
      const down = downgradeRequest(base, wit);
      const { primary, owned, related, finalizing } = base;
      assert.deepEqual(down, { primary, owned, related, trigger: { type: 'primary' }, finalizing });
      assert.equal(ReconcileRequest.safeParse(down).success, true);
    }
  });

  test('a 0.1 component should get the other triggers unchanged', () => {
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'c' };
    for (const trigger of [{ type: 'owned', ref }, { type: 'related', ref }, { type: 'requeue' }] as const) {
      assert.deepEqual(downgradeRequest({ ...base, trigger }, '0.1.0').trigger, trigger);
    }
  });

  test('a component of this WIT version should get the request as it came', () => {
    assert.equal(downgradeRequest(base, WIT_VERSION), base);
    assert.deepEqual(requestToWit(downgradeRequest(base, WIT_VERSION)).lastWrite, {
      tag: 'failed',
      val: { step: 'apply', message: 'denied' },
    });
  });
});
