// Unit tests of the hook set: grouping by worker and key, secrets read from cached Secrets, problems named, and the hooks message the object parses.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { HooksMessage } from '../../src/protocol/hooks.ts';
import { ReconcilerSpec } from '../api/reconciler.ts';
import type { KObject } from '../kube/object.ts';
import { buildHookSet, hooksMessage } from './hook-set.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const secret = (name: string, data: Record<string, string>): KObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: 'zeroloop-system' },
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
});
const secrets = new Map(
  [secret('repo-hook', { token: 'It’s a hook secret' }), secret('empty-hook', { token: '' })].map((s) => [
    `${s.metadata.namespace ?? ''}/${s.metadata.name}`,
    s,
  ]),
);
const secretOf = (namespace: string, name: string) => secrets.get(`${namespace}/${name}`);
/** The signing keys the Reconcilers' controllers read: `unsigned` has none (its controller is not running). */
const signingOf = (reconciler: string) =>
  reconciler === 'unsigned'
    ? undefined
    : reconciler === 'elsewhere'
      ? { key: 'other-key', keyId: 'k2' }
      : { key: 'signing-key' };

const spec = (overrides: Record<string, unknown>) =>
  ReconcilerSpec.parse({
    reconciler: 'website',
    endpoint: 'http://127.0.0.1:8787',
    signingSecretRef: { namespace: 'zeroloop-system', name: 'worker-signing', key: 'secret' },
    primary: { apiVersion: 'examples.zeroloop.dev/v1alpha1', kind: 'Website' },
    ...overrides,
  });
const hook = (name: string, secretName = 'repo-hook') => ({
  name,
  type: 'github',
  secretRef: { name: secretName },
  events: ['push'],
  wake: { names: ['site-a'] },
  filter: 'body.ref == "refs/heads/main"',
});

test('hook set should group hooks by worker endpoint and signing key, and skip Reconcilers without hooks', () => {
  const set = buildHookSet(
    [
      { name: 'website', spec: spec({ triggers: { hooks: [hook('git-push')] } }) },
      { name: 'blog', spec: spec({ triggers: { hooks: [hook('git-push'), hook('tags')] } }) },
      {
        name: 'elsewhere',
        spec: spec({
          signingSecretRef: { namespace: 'zeroloop-system', name: 'other-signing', key: 'secret' },
          triggers: { hooks: [hook('git-push')] },
        }),
      },
      { name: 'quiet', spec: spec({}) },
    ],
    secretOf,
    signingOf,
  );
  assert.deepEqual(set.problems, []);
  const groups = [...set.targets.values()];
  assert.equal(groups.length, 2);
  assert.deepEqual(
    groups.map((g) => [g.target.keyId, g.hooks.map((h) => `${h.reconciler}/${h.spec.name}`)]),
    [
      [undefined, ['blog/git-push', 'blog/tags', 'website/git-push']],
      ['k2', ['elsewhere/git-push']],
    ],
  );
  assert.equal(groups[0]?.hooks[0]?.secret, 'It’s a hook secret');
});

test('hook set should name what is missing: a hook Secret, its key, or the signing Secret', () => {
  const set = buildHookSet(
    [
      {
        name: 'website',
        spec: spec({
          triggers: {
            hooks: [
              hook('missing', 'nope'),
              hook('empty', 'empty-hook'),
              { ...hook('no-key'), secretRef: { name: 'repo-hook', key: 'x' } },
            ],
          },
        }),
      },
      {
        name: 'unsigned',
        spec: spec({
          signingSecretRef: { namespace: 'zeroloop-system', name: 'gone', key: 'secret' },
          triggers: { hooks: [hook('git-push')] },
        }),
      },
    ],
    secretOf,
    signingOf,
  );
  assert.deepEqual(
    set.problems.map((p) => [p.reconciler, p.hook, p.message.replace(/: .*/, '')]),
    [
      ['unsigned', 'git-push', 'no signing key to connect with yet'],
      ['website', 'missing', 'Secret zeroloop-system/nope not found'],
      ['website', 'empty', 'Secret zeroloop-system/empty-hook key "token" is empty'],
      ['website', 'no-key', 'Secret zeroloop-system/repo-hook has no key "x"'],
    ],
  );
});

test('hooks message should carry each hook with its unguessable path, in the shape the object parses', async () => {
  const set = buildHookSet(
    [{ name: 'website', spec: spec({ triggers: { hooks: [hook('git-push')] } }) }],
    secretOf,
    signingOf,
  );
  const group = [...set.targets.values()][0];
  assert.ok(group);
  const { message, paths } = await hooksMessage('prod-eu', group.hooks);
  const digest = createHash('sha256')
    .update('It’s a hook secret' + 'git-push' + 'website' + 'zeroloop-system')
    .digest('hex');
  assert.equal(paths.get('website/git-push'), `/hooks/prod-eu/${digest}`);
  assert.deepEqual(HooksMessage.parse(message), {
    type: 'hooks',
    hooks: [
      {
        path: `/hooks/prod-eu/${digest}`,
        name: 'git-push',
        reconciler: 'website',
        namespace: 'zeroloop-system',
        type: 'github',
        secret: 'It’s a hook secret',
        events: ['push'],
        filter: 'body.ref == "refs/heads/main"',
        maxBodyBytes: 1024 * 1024,
        rateLimit: { perMinute: 60 },
      },
    ],
  });
});
