// Unit tests of the converters between the JSON protocol and the WIT values as jco represents them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ReconcileResponse, type ReconcileRequest } from '../protocol/schemas.ts';
import {
  descriptorFromWit,
  InvalidAnswerError,
  requestFromWit,
  requestToWit,
  responseFromWit,
  triggerFromWit,
  triggerToWit,
  type WitResponse,
  witErrorPayload,
} from './wit.ts';

const primary = {
  apiVersion: 'examples.zeroloop.dev/v1alpha1',
  kind: 'Website',
  metadata: { name: 'w', namespace: 'ns' },
};
const cm = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'w-html', namespace: 'ns' },
  data: { a: 'b' },
};

function witResponse(extra: Partial<WitResponse> = {}): WitResponse {
  return {
    desired: [JSON.stringify(cm)],
    status: undefined,
    related: [],
    requeueAfterMs: undefined,
    finalized: false,
    events: [],
    ...extra,
  };
}

describe('wit converters', () => {
  test('requestToWit should serialize objects to JSON text and requestFromWit should give them back', () => {
    const request: ReconcileRequest = {
      primary,
      owned: [cm],
      related: [],
      trigger: {
        type: 'owned',
        ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'w-html' },
      },
      finalizing: true,
    };
    const wit = requestToWit(request);
    assert.equal(typeof wit.primary, 'string');
    assert.deepEqual(JSON.parse(wit.primary), primary);
    assert.deepEqual(wit.trigger, {
      tag: 'owned',
      val: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'w-html' },
    });
    assert.deepEqual(requestFromWit(wit), request);
  });

  test('triggers should round-trip for every case, cluster-scoped refs without a namespace key', () => {
    const triggers = [
      { type: 'primary' },
      { type: 'requeue' },
      { type: 'related', ref: { apiVersion: 'v1', kind: 'Pod', namespace: 'ns', name: 'p' } },
      { type: 'owned', ref: { apiVersion: 'v1', kind: 'Namespace', name: 'n' } },
    ] as const;
    for (const t of triggers) assert.deepEqual(triggerFromWit(triggerToWit(t)), t);
    const back = triggerFromWit({
      tag: 'owned',
      val: { apiVersion: 'v1', kind: 'Namespace', namespace: undefined, name: 'n' },
    });
    assert.equal(back.type === 'owned' && 'namespace' in back.ref, false);
  });

  test('responseFromWit should give a response the protocol schema accepts, with labels as a map and Kubernetes event types', () => {
    const answer = responseFromWit(
      witResponse({
        status: '{"ready":true}',
        requeueAfterMs: 5000,
        related: [
          {
            apiVersion: 'v1',
            kind: 'Pod',
            namespace: undefined,
            name: undefined,
            matchLabels: [{ key: 'app', value: 'w' }],
          },
        ],
        events: [
          { type: 'warning', reason: 'Slow', message: 'slow' },
          { type: 'normal', reason: 'Ok', message: '' },
        ],
      }),
    );
    const parsed = ReconcileResponse.parse(answer);
    assert.deepEqual(parsed, {
      desired: [cm],
      status: { ready: true },
      related: [{ apiVersion: 'v1', kind: 'Pod', matchLabels: { app: 'w' } }],
      requeueAfterMs: 5000,
      finalized: false,
      events: [
        { type: 'Warning', reason: 'Slow', message: 'slow' },
        { type: 'Normal', reason: 'Ok', message: '' },
      ],
    });
  });

  test('responseFromWit should map absent options to null', () => {
    const parsed = ReconcileResponse.parse(responseFromWit(witResponse()));
    assert.equal(parsed.status, null);
    assert.equal(parsed.requeueAfterMs, null);
  });

  test('responseFromWit should throw InvalidAnswerError naming the field that is not JSON', () => {
    assert.throws(
      () => responseFromWit(witResponse({ desired: [JSON.stringify(cm), '{oops'] })),
      (e: unknown) => e instanceof InvalidAnswerError && e.message.includes('desired[1]'),
    );
    assert.throws(
      () => responseFromWit(witResponse({ status: 'nope' })),
      (e: unknown) => e instanceof InvalidAnswerError && e.message.includes('status'),
    );
  });

  test('valid JSON that is not a Kubernetes object should pass the converter and fail the schema', () => {
    const answer = responseFromWit(witResponse({ desired: ['{"hello":"world"}'] }));
    assert.equal(ReconcileResponse.safeParse(answer).success, false);
  });

  test('descriptorFromWit should copy every field', () => {
    const descriptor = {
      name: 'website',
      version: '0.1.0',
      primary: { apiVersion: 'examples.zeroloop.dev/v1alpha1', kind: 'Website' },
      owns: [{ apiVersion: 'apps/v1', kind: 'Deployment' }],
      reads: [{ apiVersion: 'v1', kind: 'Pod' }],
      finalizer: true,
    };
    assert.deepEqual(descriptorFromWit(descriptor), descriptor);
  });

  test('witErrorPayload should read the payload of a wit err and nothing else', () => {
    assert.equal(witErrorPayload(Object.assign(new Error('x'), { payload: 'bad spec' })), 'bad spec');
    assert.equal(witErrorPayload(new Error('plain')), undefined);
    assert.equal(witErrorPayload(Object.assign(new Error('x'), { payload: 42 })), undefined);
    assert.equal(witErrorPayload('bad spec'), undefined);
    assert.equal(witErrorPayload(new WebAssembly.RuntimeError('unreachable')), undefined);
  });
});
