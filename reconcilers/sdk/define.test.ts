// Tests of defineReconciler from source: request parsing, result checking, and every failure ending as a ReconcileError.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kinds, normal, object, selectByLabels, selectByName } from './builders.ts';
import { defineReconciler } from './define.ts';
import { ReconcileError } from './errors.ts';
import { SpecReader } from './spec.ts';
import type { GuestRequest } from './request.ts';
import type { Request, Result } from './types.ts';

const PRIMARY = { apiVersion: 'test.zeroloop.dev/v1', kind: 'Thing' } as const;
const thing = {
  apiVersion: PRIMARY.apiVersion,
  kind: PRIMARY.kind,
  metadata: { name: 't', namespace: 'ns', generation: 4, creationTimestamp: '2026-01-01T00:00:00Z' },
};

/** A reconciler whose answer is whatever the test sets, recording the request it saw. */
function probe(answer: (req: Request) => Result) {
  const seen: Request[] = [];
  const module = defineReconciler({
    describe: {
      name: 'probe',
      version: '1.0.0',
      primary: PRIMARY,
      owns: [kinds.ConfigMap],
      reads: [kinds.Pod],
      finalizer: false,
    },
    reconcile: (req) => {
      seen.push(req);
      return answer(req);
    },
  });
  return { module, seen };
}

function request(overrides: Partial<GuestRequest> = {}): GuestRequest {
  return {
    primary: JSON.stringify(thing),
    owned: [],
    related: [],
    trigger: { tag: 'primary' },
    finalizing: false,
    ...overrides,
  };
}

function errOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ReconcileError, `expected a ReconcileError, got ${String(error)}`);
    assert.equal(error.payload, error.message);
    return error.payload;
  }
  assert.fail('expected an err');
}

test('defineReconciler should describe the reconciler in wit form', () => {
  const { module } = probe(() => ({}));
  assert.deepEqual(module.describe(), {
    name: 'probe',
    version: '1.0.0',
    primary: PRIMARY,
    owns: [{ apiVersion: 'v1', kind: 'ConfigMap' }],
    reads: [{ apiVersion: 'v1', kind: 'Pod' }],
    finalizer: false,
    configSchema: undefined,
    finalizerName: undefined,
  });
});

test('defineReconciler should refuse a descriptor whose name is not a DNS label', () => {
  assert.throws(
    () =>
      defineReconciler({
        describe: { name: 'Bad_Name', version: '1', primary: PRIMARY, owns: [], reads: [], finalizer: false },
        reconcile: () => ({}),
      }),
    /must be a DNS label/,
  );
});

test('reconcile should hand the author parsed objects, findable by kind and name, and the trigger', () => {
  const { module, seen } = probe(() => ({}));
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns' } };
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' } };
  module.reconcile(
    request({
      owned: [JSON.stringify(cm)],
      related: [JSON.stringify(pod)],
      trigger: { tag: 'related', val: { apiVersion: 'v1', kind: 'Pod', namespace: null, name: 'p' } },
    }),
  );
  const req = seen[0];
  assert.ok(req);
  assert.equal(req.key, 'ns/t');
  assert.deepEqual(req.owned.get(kinds.ConfigMap, 'c'), cm);
  assert.equal(req.owned.get(kinds.ConfigMap, 'other'), undefined);
  assert.deepEqual(req.related.ofKind(kinds.Pod), [pod]);
  assert.deepEqual(req.owned.ofKind(kinds.Pod), []);
  assert.deepEqual(req.trigger, { type: 'related', ref: { apiVersion: 'v1', kind: 'Pod', name: 'p' } });
  assert.equal(req.observedAt, '2026-01-01T00:00:00Z');
  const ready = req.condition('Ready', 'True', 'Fine', 'all good');
  assert.deepEqual(ready, {
    type: 'Ready',
    status: 'True',
    reason: 'Fine',
    message: 'all good',
    observedGeneration: 4,
    lastTransitionTime: '2026-01-01T00:00:00Z',
  });
});

test('reconcile should lower a full result to the wit response', () => {
  const { module } = probe((req) => ({
    desired: [
      object(kinds.ConfigMap, { name: 'c', namespace: req.primary.metadata.namespace }, { data: { a: 'b' } }),
    ],
    status: { ok: true },
    related: [selectByLabels(kinds.Pod, { app: 'x' }), selectByName(kinds.Pod, 'p', 'ns')],
    requeueAfter: 30_000,
    events: [normal('Done', 'it worked')],
  }));
  const response = module.reconcile(request());
  assert.deepEqual(
    response.desired.map((d) => JSON.parse(d) as unknown),
    [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns' }, data: { a: 'b' } }],
  );
  assert.equal(response.status, '{"ok":true}');
  assert.deepEqual(response.related, [
    {
      apiVersion: 'v1',
      kind: 'Pod',
      namespace: undefined,
      name: undefined,
      matchLabels: [{ key: 'app', value: 'x' }],
    },
    { apiVersion: 'v1', kind: 'Pod', namespace: 'ns', name: 'p', matchLabels: [] },
  ]);
  assert.equal(response.requeueAfterMs, 30_000);
  assert.equal(response.finalized, false);
  assert.deepEqual(response.events, [{ type: 'normal', reason: 'Done', message: 'it worked' }]);
});

test('reconcile should default an empty result to nothing desired and status unchanged', () => {
  const { module } = probe(() => ({}));
  assert.deepEqual(module.reconcile(request()), {
    desired: [],
    status: undefined,
    related: [],
    requeueAfterMs: undefined,
    finalized: false,
    events: [],
  });
});

test('reconcile should end with err on a malformed request', () => {
  const { module } = probe(() => ({}));
  assert.equal(
    errOf(() => module.reconcile(request({ primary: '{' }))),
    'request.primary is not valid JSON text',
  );
  assert.equal(
    errOf(() => module.reconcile(request({ primary: '[]' }))),
    'request.primary must be a JSON object',
  );
  assert.match(
    errOf(() => module.reconcile(request({ primary: JSON.stringify({ ...thing, metadata: {} }) }))),
    /request\.primary\.metadata\.name must be a non-empty string/,
  );
  assert.match(
    errOf(() => module.reconcile(request({ primary: JSON.stringify({ ...thing, kind: 'Other' }) }))),
    /request\.primary is test\.zeroloop\.dev\/v1 Other ns\/t, but reconciler "probe" reconciles test\.zeroloop\.dev\/v1 Thing/,
  );
  assert.equal(
    errOf(() => module.reconcile(request({ owned: ['{"kind":"ConfigMap"}'] }))),
    'request.owned[0].apiVersion must be a string',
  );
  assert.equal(
    errOf(() => module.reconcile(request({ related: ['nope'] }))),
    'request.related[0] is not valid JSON text',
  );
});

test('reconcile should end with err on a result the relay would reject', () => {
  const cases: [Result, RegExp][] = [
    [
      { desired: [object(kinds.Pod, { name: 'p' })] },
      /result\.desired\[0\] is a v1\/Pod, which reconciler "probe" does not list in owns/,
    ],
    [
      { desired: [object(kinds.ConfigMap, { name: 'c', namespace: 'other' })] },
      /targets namespace "other", not the primary's "ns"/,
    ],
    [
      { desired: [object(kinds.ConfigMap, { name: 'c' }), object(kinds.ConfigMap, { name: 'c' })] },
      /ConfigMap c is desired twice/,
    ],
    [
      { desired: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: '' } }] },
      /result\.desired\[0\]\.metadata\.name must be a non-empty string/,
    ],
    [
      { related: [selectByLabels(kinds.ConfigMap, {})] },
      /selects v1\/ConfigMap, which reconciler "probe" does not list in reads/,
    ],
    [{ requeueAfter: -1 }, /result\.requeueAfter must be an integer/],
    [{ requeueAfter: 1.5 }, /result\.requeueAfter must be an integer/],
    [{ requeueAfter: 2 ** 32 }, /result\.requeueAfter must be an integer/],
    [{ status: [] as unknown as null }, /result\.status must be an object or null/],
    [
      { events: [{ type: 'Info' as 'Normal', reason: 'R', message: '' }] },
      /result\.events\[0\]\.type must be "Normal" or "Warning"/,
    ],
    [{ events: [normal('', 'm')] }, /result\.events\[0\]\.reason must be a non-empty string/],
  ];
  for (const [result, expected] of cases) {
    const { module } = probe(() => result);
    assert.match(
      errOf(() => module.reconcile(request())),
      expected,
    );
  }
  const { module } = probe(() => 42 as unknown as Result);
  assert.match(
    errOf(() => module.reconcile(request())),
    /reconcile must return an object, got number/,
  );
});

test('reconcile should let a cluster-scoped primary desire objects in any namespace', () => {
  const { module } = probe(() => ({
    desired: [object(kinds.ConfigMap, { name: 'c', namespace: 'anywhere' })],
  }));
  const clusterScoped = { ...thing, metadata: { name: 't' } };
  const response = module.reconcile(request({ primary: JSON.stringify(clusterScoped) }));
  assert.equal(response.desired.length, 1);
});

test('reconcile should turn an exception from the author into an err naming it a bug', () => {
  const { module } = probe(() => {
    throw new TypeError('x is undefined');
  });
  assert.equal(
    errOf(() => module.reconcile(request())),
    'bug in reconciler "probe": TypeError: x is undefined',
  );
  const thrower = probe(() => {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- the point: a non-Error thrown value
    throw 42;
  });
  assert.match(
    errOf(() => thrower.module.reconcile(request())),
    /non-error value thrown \(number\)/,
  );
});

test('reconcile should escape lone surrogates, which cannot cross the WIT boundary', () => {
  const lone = 'a\ud800b';
  const { module } = probe(() => ({
    desired: [object(kinds.ConfigMap, { name: 'c' }, { data: { text: lone } })],
    status: { note: lone },
    related: [selectByLabels(kinds.Pod, { app: lone })],
    events: [normal('Saw', lone)],
  }));
  const response = module.reconcile(request());
  const texts = [
    ...response.desired,
    response.status ?? '',
    ...response.related.flatMap((s) => s.matchLabels.map((l) => l.value)),
    ...response.events.map((e) => e.message),
  ];
  for (const text of texts) assert.ok(text.isWellFormed(), text);
  // JSON keeps the exact value through an escape; plain strings get U+FFFD.
  assert.equal((JSON.parse(response.desired[0] ?? '') as { data: { text: string } }).data.text, lone);
  assert.equal(response.events[0]?.message, 'a\ufffdb');
  const failing = probe(() => {
    throw new ReconcileError(`bad name ${lone}`);
  });
  assert.equal(
    errOf(() => failing.module.reconcile(request())),
    'bad name a\ufffdb',
  );
});

const describeThing = {
  name: 'thing',
  version: '0.2.0',
  primary: PRIMARY,
  owns: [kinds.ConfigMap],
  reads: [],
  finalizer: true,
};

test('defineReconciler should describe a config schema as JSON text and a finalizer name', () => {
  const module = defineReconciler({
    describe: {
      ...describeThing,
      configSchema: { type: 'object', properties: { size: { type: 'integer' } } },
      finalizerName: 'test.zeroloop.dev/finalizer',
    },
    reconcile: () => ({}),
  });
  const wit = module.describe();
  assert.equal(wit.configSchema, '{"type":"object","properties":{"size":{"type":"integer"}}}');
  assert.equal(wit.finalizerName, 'test.zeroloop.dev/finalizer');
});

test('defineReconciler should refuse a finalizer name outside the primary group at definition', () => {
  assert.throws(
    () =>
      defineReconciler({
        describe: { ...describeThing, finalizerName: 'example.com/finalizer' },
        reconcile: () => ({}),
      }),
    /descriptor.finalizerName of thing: "example.com\/finalizer" has domain example.com/,
  );
});

test('request.config should be the JSON object as given without a config function, undefined when unset', () => {
  const { module, seen } = probe(() => ({}));
  module.reconcile(request({ config: '{"size":3}' }));
  module.reconcile(request({ config: null }));
  module.reconcile(request());
  assert.deepEqual(
    seen.map((r) => r.config),
    [{ size: 3 }, undefined, undefined],
  );
});

test('a config function should type request.config, run once per distinct config, and its err should end each reconcile', () => {
  let reads = 0;
  const sizes: number[] = [];
  const module = defineReconciler({
    describe: describeThing,
    config: (config) => {
      reads++;
      const reader = new SpecReader({ config }, 'Reconciler thing');
      const size = reader.integer('size', { default: 1, min: 1, max: 5 });
      reader.done();
      return { size };
    },
    reconcile: (req) => {
      sizes.push(req.config.size);
      return {};
    },
  });
  module.reconcile(request({ config: '{"size":3}' }));
  module.reconcile(request({ config: '{"size":3}' }));
  module.reconcile(request());
  assert.deepEqual(sizes, [3, 3, 1]);
  assert.equal(reads, 2, 'the same config text is read once');
  const message = errOf(() => module.reconcile(request({ config: '{"size":9}' })));
  assert.equal(
    message,
    "Reconciler thing: invalid config: config.size must be an integer between 1 and 5, got 9. Fix the Reconciler's spec.config.",
  );
  assert.equal(
    errOf(() => module.reconcile(request({ config: '{"size":9}' }))),
    message,
  );
  assert.equal(reads, 3);
  assert.match(
    errOf(() => module.reconcile(request({ config: '[1]' }))),
    /request.config must be a JSON object/,
  );
});

test('request.lastWrite should be unknown when absent, and a failure should carry its step and message', () => {
  const { module, seen } = probe(() => ({}));
  module.reconcile(request());
  module.reconcile(request({ lastWrite: { tag: 'applied' } }));
  module.reconcile(request({ lastWrite: { tag: 'failed', val: { step: 'prune', message: 'forbidden' } } }));
  assert.deepEqual(
    seen.map((r) => r.lastWrite),
    [{ state: 'unknown' }, { state: 'applied' }, { state: 'failed', step: 'prune', message: 'forbidden' }],
  );
});

test('an external trigger should reach the author with its summary parsed', () => {
  const { module, seen } = probe(() => ({}));
  const val = { hook: 'git-push', source: 'github', event: 'push', delivery: 'd1' };
  module.reconcile(
    request({ trigger: { tag: 'external', val: { ...val, summary: '{"ref":"refs/heads/main"}' } } }),
  );
  module.reconcile(request({ trigger: { tag: 'external', val: { ...val, summary: null } } }));
  assert.deepEqual(
    seen.map((r) => r.trigger),
    [
      { type: 'external', ...val, summary: { ref: 'refs/heads/main' } },
      { type: 'external', ...val },
    ],
  );
  assert.match(
    errOf(() => module.reconcile(request({ trigger: { tag: 'external', val: { ...val, summary: '{' } } }))),
    /request.trigger.summary is not valid JSON text/,
  );
});
