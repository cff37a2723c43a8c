// Unit tests of the converters between the JSON protocol and the WIT values as jco represents them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Descriptor, ReconcileResponse, type ReconcileRequest } from '../protocol/schemas.ts';
import {
  descriptorFromWit,
  descriptorToWit,
  InvalidAnswerError,
  lastWriteFromWit,
  lastWriteToWit,
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
      config: { defaultImage: 'nginx:1.27', maxReplicas: 5 },
      lastWrite: { state: 'applied' },
    };
    const wit = requestToWit(request);
    assert.equal(typeof wit.primary, 'string');
    assert.equal(wit.config, '{"defaultImage":"nginx:1.27","maxReplicas":5}');
    assert.deepEqual(wit.lastWrite, { tag: 'applied' });
    assert.deepEqual(JSON.parse(wit.primary), primary);
    assert.deepEqual(wit.trigger, {
      tag: 'owned',
      val: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'w-html' },
    });
    assert.deepEqual(requestFromWit(wit), request);
  });

  test('a request without config or lastWrite should reach the component as none and unknown', () => {
    const request: ReconcileRequest = {
      primary,
      owned: [],
      related: [],
      trigger: { type: 'primary' },
      finalizing: false,
    };
    const wit = requestToWit(request);
    assert.equal(wit.config, undefined);
    assert.deepEqual(wit.lastWrite, { tag: 'unknown' });
    assert.deepEqual(requestFromWit(wit), { ...request, lastWrite: { state: 'unknown' } });
    assert.equal('config' in requestFromWit(wit), false);
  });

  test('lastWrite should convert every state both ways, a failure with its step and message', () => {
    const states = [
      { state: 'unknown' },
      { state: 'applied' },
      ...(['dry-run', 'apply', 'prune', 'status'] as const).map((step) => ({
        state: 'failed' as const,
        step,
        message: `${step} refused`,
      })),
    ] as const;
    for (const s of states) assert.deepEqual(lastWriteFromWit(lastWriteToWit(s)), s);
    assert.deepEqual(lastWriteToWit({ state: 'failed', step: 'dry-run', message: 'denied' }), {
      tag: 'failed',
      val: { step: 'dry-run', message: 'denied' },
    });
    assert.deepEqual(lastWriteToWit(undefined), { tag: 'unknown' });
  });

  test('an external trigger should carry its summary as JSON text and give it back parsed', () => {
    const trigger = {
      type: 'external',
      hook: 'git-push',
      source: 'github',
      event: 'push',
      delivery: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      summary: { ref: 'refs/heads/main', repository: { full_name: 'o/r' } },
    } as const;
    const wit = triggerToWit(trigger);
    assert.deepEqual(wit, {
      tag: 'external',
      val: {
        hook: 'git-push',
        source: 'github',
        event: 'push',
        delivery: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
        summary: '{"ref":"refs/heads/main","repository":{"full_name":"o/r"}}',
      },
    });
    assert.deepEqual(triggerFromWit(wit), trigger);
    const bare = { type: 'external', hook: 'h', source: 'bearer', event: '', delivery: 'x' } as const;
    const bareWit = triggerToWit(bare);
    assert.equal(bareWit.tag === 'external' ? bareWit.val.summary : 'not external', undefined);
    assert.deepEqual(triggerFromWit(triggerToWit(bare)), bare);
    assert.equal('summary' in triggerFromWit(triggerToWit(bare)), false);
  });

  test('triggers should round-trip for every case, cluster-scoped refs without a namespace key', () => {
    const triggers = [
      { type: 'primary' },
      { type: 'requeue' },
      { type: 'related', ref: { apiVersion: 'v1', kind: 'Pod', namespace: 'ns', name: 'p' } },
      { type: 'owned', ref: { apiVersion: 'v1', kind: 'Namespace', name: 'n' } },
      { type: 'external', hook: 'h', source: 'generic-hmac', event: '', delivery: 'd', summary: null },
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

  test('descriptorFromWit should copy every field, and leave out the 0.2 ones a 0.1 component has not', () => {
    const descriptor = {
      name: 'website',
      version: '0.1.0',
      primary: { apiVersion: 'examples.zeroloop.dev/v1alpha1', kind: 'Website' },
      owns: [{ apiVersion: 'apps/v1', kind: 'Deployment' }],
      reads: [{ apiVersion: 'v1', kind: 'Pod' }],
      finalizer: true,
    };
    const back = descriptorFromWit({ ...descriptor, configSchema: undefined, finalizerName: undefined });
    assert.deepEqual(back, descriptor);
    assert.equal(Descriptor.safeParse(back).success, true);
  });

  test('descriptors should convert both ways with a config schema (as JSON text) and a finalizer name', () => {
    const descriptor: Descriptor = {
      name: 'memcached',
      version: '0.2.0',
      primary: { apiVersion: 'cache.example.com/v1alpha1', kind: 'Memcached' },
      owns: [{ apiVersion: 'apps/v1', kind: 'Deployment' }],
      reads: [],
      finalizer: true,
      configSchema: { type: 'object', properties: { image: { type: 'string' } } },
      finalizerName: 'cache.example.com/finalizer',
    };
    const wit = descriptorToWit(descriptor);
    assert.equal(wit.configSchema, '{"type":"object","properties":{"image":{"type":"string"}}}');
    assert.equal(wit.finalizerName, 'cache.example.com/finalizer');
    assert.deepEqual(descriptorFromWit(wit), descriptor);
    assert.deepEqual(Descriptor.parse(descriptorFromWit(wit)), descriptor);
  });

  test('descriptorFromWit should throw InvalidAnswerError when the config schema is not JSON text', () => {
    const wit = {
      ...descriptorToWit({
        name: 'x',
        version: '1',
        primary: { apiVersion: 'v1', kind: 'A' },
        owns: [],
        reads: [],
        finalizer: false,
      }),
      configSchema: '{type: object}',
    };
    assert.throws(
      () => descriptorFromWit(wit),
      (e: unknown) => e instanceof InvalidAnswerError && e.message.includes('configSchema'),
    );
  });

  test('witErrorPayload should read the payload of a wit err and nothing else', () => {
    assert.equal(witErrorPayload(Object.assign(new Error('x'), { payload: 'bad spec' })), 'bad spec');
    assert.equal(witErrorPayload(new Error('plain')), undefined);
    assert.equal(witErrorPayload(Object.assign(new Error('x'), { payload: 42 })), undefined);
    assert.equal(witErrorPayload('bad spec'), undefined);
    assert.equal(witErrorPayload(new WebAssembly.RuntimeError('unreachable')), undefined);
  });
});
