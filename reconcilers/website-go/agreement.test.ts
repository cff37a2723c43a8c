// Agreement: the same corpus of requests to `website` (TypeScript on QuickJS) and `website-go` (Go) gives the same answers.
//
// Both BUILT components run in Node through jco. Each request is written for `website`; website-go
// gets it with its own kind and group (go.examples.zeroloop.dev/v1alpha1 GoWebsite) in every object
// of that kind. The answers must be equal after normalising key order: desired objects, status,
// related, requeue, finalized, Events, or the same wit `err` message. The one documented
// difference: messages that name the reconciler or its primary kind name each its own ("website" /
// "website-go", the group and GoWebsite).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { loadBuilt } from '../../cli/testing/component.ts';
import {
  type ReconcilerExports,
  responseFromWit,
  type WitRequest,
  type WitTrigger,
  witErrorPayload,
} from '../../src/contract/wit.ts';

const TS_GROUP = 'examples.zeroloop.dev';
const GO_GROUP = 'go.examples.zeroloop.dev';
const WEBSITE = `${TS_GROUP}/v1alpha1`;
const CREATED = '2026-11-20T10:00:00Z';

let website: ReconcilerExports;
let websiteGo: ReconcilerExports;

before(async () => {
  website = await loadBuilt('website');
  websiteGo = await loadBuilt('website-go');
});

/** Object keys sorted at every level, so key order never counts. */
function normalized(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalized);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, normalized((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

type Answer = { ok: unknown } | { err: string };

/** The answer of one component; a trap (or any throw without a wit payload) fails the test. */
function answer(component: ReconcilerExports, request: WitRequest): Answer {
  try {
    return { ok: normalized(responseFromWit(component.reconcile(request))) };
  } catch (error) {
    const payload = witErrorPayload(error);
    if (payload === undefined) throw error;
    return { err: payload };
  }
}

/** The request as website-go gets it: the Website group swapped in every object text that uses it. */
function forGo(request: WitRequest): WitRequest {
  const group = (text: string) => text.replaceAll(`"${WEBSITE}"`, `"${GO_GROUP}/v1alpha1"`);
  // Only the primary is a Website; the kind is swapped there, whatever the JSON text's spacing.
  const primary = group(request.primary).replace(/"kind"(\s*):(\s*)"Website"/, '"kind"$1:$2"GoWebsite"');
  return { ...request, primary, owned: request.owned.map(group) };
}

/** The one documented difference, undone: each reconciler names itself and its own group. */
function unname(message: string): string {
  return message
    .replaceAll('"website-go"', '"website"')
    .replaceAll(GO_GROUP, TS_GROUP)
    .replaceAll(' GoWebsite', ' Website');
}

interface Site {
  spec?: unknown;
  status?: unknown;
  metadata?: Record<string, unknown>;
  omitSpec?: boolean;
}

function site(options: Site = {}): Record<string, unknown> {
  const obj: Record<string, unknown> = {
    apiVersion: WEBSITE,
    kind: 'Website',
    metadata: {
      name: 'shop',
      namespace: 'web',
      generation: 3,
      creationTimestamp: CREATED,
      ...options.metadata,
    },
  };
  if (!options.omitSpec) obj.spec = options.spec ?? {};
  if (options.status !== undefined) obj.status = options.status;
  return obj;
}

function deployment(status: Record<string, unknown>, metadata: Record<string, unknown> = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'shop',
      namespace: 'web',
      generation: 5,
      creationTimestamp: '2026-11-20T10:00:01Z',
      ...metadata,
    },
    status,
  };
}

const READY = deployment({ observedGeneration: 5, replicas: 2, readyReplicas: 2, updatedReplicas: 2 });
const WAS_READY = {
  conditions: [
    {
      type: 'Ready',
      status: 'True',
      reason: 'ReplicasReady',
      message: '2/2',
      lastTransitionTime: '2026-11-20T10:05:00Z',
    },
  ],
};

function request(
  primary: unknown,
  more: Partial<WitRequest> & { ownedObjects?: unknown[] } = {},
): WitRequest {
  const { ownedObjects, ...rest } = more;
  return {
    primary: typeof primary === 'string' ? primary : JSON.stringify(primary),
    owned: (ownedObjects ?? []).map((o) => (typeof o === 'string' ? o : JSON.stringify(o))),
    related: [],
    trigger: { tag: 'primary' },
    finalizing: false,
    config: undefined,
    lastWrite: { tag: 'unknown' },
    ...rest,
  };
}

const EXTERNAL: WitTrigger = {
  tag: 'external',
  val: {
    hook: 'git-push',
    source: 'github',
    event: 'push',
    delivery: 'd-1',
    summary: '{"ref":"refs/heads/main"}',
  },
};

const owned = (ref: string): WitTrigger => ({
  tag: 'owned',
  val: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web', name: ref },
});

const CORPUS: Record<string, WitRequest> = {
  // Normal
  'empty spec: defaults': request(site()),
  'replicas and html': request(site({ spec: { replicas: 2, html: '<h1>hi</h1>' } })),
  'not exposed': request(site({ spec: { expose: false } })),
  'custom image': request(site({ spec: { image: 'ghcr.io/acme/web:2' } })),
  'zero replicas': request(site({ spec: { replicas: 0 } })),
  'a hundred replicas': request(site({ spec: { replicas: 100 } })),
  'nulls take the defaults': request(
    site({ spec: { replicas: null, image: null, expose: null, html: null } }),
  ),
  'unknown spec fields are ignored': request(site({ spec: { colour: 'blue', replicas: 3 } })),
  'deployment ready: Ready flips to True with a Normal event': request(site({ spec: { replicas: 2 } }), {
    ownedObjects: [READY],
    trigger: owned('shop'),
  }),
  'still ready: no event, lastTransitionTime kept': request(
    site({ spec: { replicas: 2 }, status: WAS_READY }),
    {
      ownedObjects: [READY],
    },
  ),
  'was ready, now rolling out: a Warning event': request(site({ spec: { replicas: 3 }, status: WAS_READY }), {
    ownedObjects: [READY],
  }),
  'stale deployment status is a rollout in progress': request(site({ spec: { replicas: 2 } }), {
    ownedObjects: [deployment({ observedGeneration: 4, readyReplicas: 2, updatedReplicas: 2 })],
  }),
  'non-integer counts read as zero': request(site({ spec: { replicas: 1 } }), {
    ownedObjects: [deployment({ observedGeneration: 5, readyReplicas: 1.5, updatedReplicas: -1 })],
  }),
  'managedFields times and fractional offsets stamp the transition': request(
    site({
      metadata: {
        managedFields: [{ time: '2026-11-21T08:00:00Z' }, { time: '2026-11-21T09:30:00.250+02:00' }],
      },
    }),
    { ownedObjects: [deployment({ readyReplicas: 0 }, { creationTimestamp: '2026-11-21T07:00:00.5Z' })] },
  ),
  'no timestamps anywhere: the epoch': request(site({ metadata: { creationTimestamp: undefined } })),
  'no generation: no observedGeneration': request(site({ metadata: { generation: undefined } })),
  'fractional generation is copied as is': request(site({ metadata: { generation: 2.5 } })),
  'cluster-scoped primary: url in default': request(site({ metadata: { namespace: undefined } })),
  'finalizing: finalized at once': request(site(), { finalizing: true }),
  'related trigger and unrelated objects': request(site(), {
    trigger: {
      tag: 'related',
      val: { apiVersion: 'v1', kind: 'ConfigMap', namespace: undefined, name: 'x' },
    },
    related: [JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } })],
  }),
  'requeue trigger': request(site({ spec: { replicas: 1 } }), { trigger: { tag: 'requeue' } }),
  'html with Unicode, markup and escapes': request(
    site({ spec: { html: '<p>héllo 世界 😀 & "quotes" \\ \u2028 \u0001</p>' } }),
  ),
  'html of exactly the maximum length': request(site({ spec: { html: 'a'.repeat(900 * 1024 - 2) + '😀' } })),
  'JSON text with escapes, exponents, negative zero and whitespace': request(
    `{ "apiVersion" : "${WEBSITE}", "kind": "Website",\n "metadata": {"name": "shop", "namespace": "web"},\n` +
      ` "spec": {"replicas": 1E1, "expose": true, "image": "a\\u00e9\\ud83d\\ude00\\/\\b\\f\\n\\r\\t\\"\\\\",` +
      ` "html": "-0 is \\u0030"}, "status": {"x": -0.0e0, "y": [1.5e-7, 12345678901234567890]} }`,
  ),
  // Contract 0.2: the Reconciler's config, the last write, an outside trigger
  'config: the default image': request(site(), { config: '{"defaultImage":"registry.example/web:9"}' }),
  'config: an image in the spec wins': request(site({ spec: { image: 'caddy:2' } }), {
    config: '{"defaultImage":"registry.example/web:9"}',
  }),
  'config: replicas at the bound': request(site({ spec: { replicas: 3 } }), { config: '{"maxReplicas":3}' }),
  'config: replicas over the bound': request(site({ spec: { replicas: 4 } }), {
    config: '{"maxReplicas":3}',
  }),
  'config: an empty object takes the defaults': request(site({ spec: { replicas: 100 } }), { config: '{}' }),
  'config: every bad field at once': request(site(), { config: '{"defaultImage":"","maxReplicas":500}' }),
  'config: bad config and bad spec': request(site({ spec: { replicas: 'x' } }), {
    config: '{"maxReplicas":-1}',
  }),
  'config: not an object': request(site(), { config: '[1]' }),
  'config: not JSON': request(site(), { config: '{' }),
  'last write failed: the same answer': request(site({ spec: { replicas: 2 } }), {
    ownedObjects: [READY],
    lastWrite: { tag: 'failed', val: { step: 'dry-run', message: 'denied' } },
  }),
  'last write applied': request(site(), { lastWrite: { tag: 'applied' } }),
  'external trigger with a summary': request(site({ spec: { replicas: 1 } }), { trigger: EXTERNAL }),
  'external trigger whose summary is not JSON': request(site(), {
    trigger: {
      tag: 'external',
      val: { hook: 'h', source: 'bearer', event: '', delivery: 'x', summary: '{' },
    },
  }),
  // Bad input: an err, never a trap
  'spec missing': request(site({ omitSpec: true })),
  'spec is an array': request(site({ spec: [1, 2] })),
  'spec is null': request(site({ spec: null })),
  'spec is a string': request(site({ spec: 'replicas=2' })),
  'replicas as a string': request(site({ spec: { replicas: '3' } })),
  'replicas fractional': request(site({ spec: { replicas: 1.5 } })),
  'replicas negative': request(site({ spec: { replicas: -1 } })),
  'replicas too many': request(site({ spec: { replicas: 101 } })),
  'replicas huge and tiny numbers': request(site({ spec: { replicas: 1e21, image: 1e-7 } })),
  'image empty': request(site({ spec: { image: '' } })),
  'image not a string': request(site({ spec: { image: { name: 'nginx' } } })),
  'image too long': request(site({ spec: { image: 'x'.repeat(513) } })),
  'expose not a boolean': request(site({ spec: { expose: 'yes' } })),
  'html too long, counted in UTF-16': request(site({ spec: { html: 'a'.repeat(900 * 1024 - 1) + '😀' } })),
  'a long bad value is shortened in the message': request(
    site({ spec: { replicas: 'ten thousand replicas, please, as many as you can 😀' } }),
  ),
  'every bad field at once': request(site({ spec: { image: 7, replicas: 'x', html: false, expose: 0 } })),
  'primary is not JSON': request('{"apiVersion": '),
  'primary is an array': request('[1, 2, 3]'),
  'primary without apiVersion': request({ kind: 'Website', metadata: { name: 'a' } }),
  'primary without metadata': request({ apiVersion: WEBSITE, kind: 'Website' }),
  'primary with an empty name': request(site({ metadata: { name: '' } })),
  'primary with a numeric namespace': request(site({ metadata: { namespace: 7 } })),
  'primary of another kind': request({ ...site(), kind: 'Database' }),
  'owned object is not JSON': request(site(), { owned: ['nope'] }),
  'owned object without kind': request(site(), {
    ownedObjects: [{ apiVersion: 'v1', metadata: { name: 'x' } }],
  }),
  'related object is not an object': request(site(), { related: ['"text"'] }),
};

test('the corpus has at least 30 requests, normal, edge and bad', () => {
  assert.ok(Object.keys(CORPUS).length >= 30, `${Object.keys(CORPUS).length} requests`);
});

test('website and website-go describe the same config schema', () => {
  const schema = (text: string | undefined): unknown => (text === undefined ? undefined : JSON.parse(text));
  const ts = schema(website.describe().configSchema);
  assert.ok(ts !== undefined, 'website declares a config schema');
  assert.deepStrictEqual(schema(websiteGo.describe().configSchema), ts);
});

for (const [name, req] of Object.entries(CORPUS)) {
  test(`website and website-go agree: ${name}`, () => {
    const ts = answer(website, req);
    const go = answer(websiteGo, forGo(req));
    if ('err' in go) {
      assert.ok('err' in ts, `website answered ok, website-go err: ${go.err}`);
      assert.equal(unname(go.err), ts.err);
      return;
    }
    assert.ok('ok' in ts, `website-go answered ok, website err: ${'err' in ts ? ts.err : ''}`);
    assert.deepStrictEqual(go.ok, ts.ok);
  });
}
