// Tests of the Ready-from-its-Deployment and Deployment-available predicates the compare benchmark times (pure functions, no control plane).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KObject } from '../../relay/kube/object.ts';
import { deploymentAvailable, readyFromDeployment } from './ready.ts';

const website = (
  status: Record<string, unknown> | undefined,
  ready: Record<string, unknown> | undefined,
  generation = 2,
) =>
  KObject.parse({
    apiVersion: 'examples.zeroloop.dev/v1alpha1',
    kind: 'Website',
    metadata: { name: 'bulk-7', namespace: 'cmp-x', generation },
    ...(status !== undefined && {
      status: {
        ...status,
        conditions:
          ready === undefined
            ? []
            : [
                {
                  type: 'Ready',
                  lastTransitionTime: '2026-12-07T18:00:00Z',
                  message: 'm',
                  ...ready,
                },
              ],
      },
    }),
  });

const readyStatus = { observedGeneration: 2, replicas: 1, readyReplicas: 1 };
const readyCondition = { status: 'True', reason: 'ReplicasReady', observedGeneration: 2 };

test('readyFromDeployment should accept the status a reconciler writes once it read the Deployment rolled out', () => {
  assert.equal(readyFromDeployment(website(readyStatus, readyCondition)), true);
  // Zero replicas: Ready once the Deployment controller observed the generation, with no Pod.
  assert.equal(
    readyFromDeployment(website({ observedGeneration: 2, replicas: 0, readyReplicas: 0 }, readyCondition)),
    true,
  );
});

test('readyFromDeployment should refuse the statuses written before the Deployment is available, and the floor’s', () => {
  const cases: [string, Record<string, unknown> | undefined, Record<string, unknown> | undefined][] = [
    ['no status', undefined, undefined],
    ['no Ready condition', readyStatus, undefined],
    ['DeploymentPending', readyStatus, { ...readyCondition, status: 'False', reason: 'DeploymentPending' }],
    [
      'RolloutInProgress (the floor’s status)',
      { ...readyStatus, readyReplicas: 0 },
      { ...readyCondition, status: 'False', reason: 'RolloutInProgress' },
    ],
    ['True with another reason', readyStatus, { ...readyCondition, reason: 'Reconciled' }],
    ['a condition for an older generation', readyStatus, { ...readyCondition, observedGeneration: 1 }],
    ['a status for an older generation', { ...readyStatus, observedGeneration: 1 }, readyCondition],
    ['fewer ready replicas than asked', { ...readyStatus, replicas: 3, readyReplicas: 2 }, readyCondition],
    ['no replicas in the status', { observedGeneration: 2, readyReplicas: 1 }, readyCondition],
    ['a malformed status', { ...readyStatus, replicas: 'one' }, readyCondition],
  ];
  for (const [what, status, ready] of cases)
    assert.equal(readyFromDeployment(website(status, ready)), false, what);
});

const deployment = (spec: Record<string, unknown>, status: Record<string, unknown> | undefined) =>
  KObject.parse({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'bulk-7', namespace: 'cmp-x', generation: 1 },
    spec,
    ...(status !== undefined && { status }),
  });

test('deploymentAvailable should accept a Deployment the controller observed with every replica ready and updated', () => {
  assert.equal(
    deploymentAvailable(deployment({}, { observedGeneration: 1, readyReplicas: 1, updatedReplicas: 1 })),
    true,
  );
  assert.equal(deploymentAvailable(deployment({ replicas: 0 }, { observedGeneration: 1 })), true);
});

test('deploymentAvailable should refuse a Deployment not observed, not current or short of replicas', () => {
  const cases: [string, Record<string, unknown>, Record<string, unknown> | undefined][] = [
    ['no status (no Deployment controller)', { replicas: 0 }, undefined],
    ['an older generation observed', {}, { observedGeneration: 0, readyReplicas: 1, updatedReplicas: 1 }],
    ['no ready replica', {}, { observedGeneration: 1, updatedReplicas: 1 }],
    [
      'short of updated replicas',
      { replicas: 2 },
      { observedGeneration: 1, readyReplicas: 2, updatedReplicas: 1 },
    ],
    ['a malformed status', {}, { observedGeneration: '1' }],
  ];
  for (const [what, spec, status] of cases)
    assert.equal(deploymentAvailable(deployment(spec, status)), false, what);
});
