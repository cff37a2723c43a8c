// Unit tests of the finalizer name check: the descriptor's name when its domain is the primary's group, a subdomain of it or zeroloop.dev; the default otherwise absent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { finalizerNameFor, InvalidFinalizerName } from './finalizer-name.ts';

const CACHE = 'cache.example.com/v1alpha1';

test('finalizer name should default to zeroloop.dev/<reconciler> when the descriptor names none', () => {
  assert.equal(finalizerNameFor('memcached', undefined, CACHE), 'zeroloop.dev/memcached');
});

test('finalizer name should accept the primary’s group, a subdomain of it, and zeroloop.dev', () => {
  assert.equal(
    finalizerNameFor('memcached', 'cache.example.com/finalizer', CACHE),
    'cache.example.com/finalizer',
  );
  assert.equal(
    finalizerNameFor('memcached', 'ops.cache.example.com/cleanup', CACHE),
    'ops.cache.example.com/cleanup',
  );
  assert.equal(
    finalizerNameFor('memcached', 'zeroloop.dev/memcached-v2', CACHE),
    'zeroloop.dev/memcached-v2',
  );
  assert.equal(
    finalizerNameFor('cms', 'zeroloop.dev/cms', 'v1'),
    'zeroloop.dev/cms',
    'a core kind: zeroloop.dev only',
  );
});

test('finalizer name should refuse another group, a parent domain, a core kind’s other domains and malformed names, saying what to do', () => {
  const refused = [
    [
      'kubernetes.io/pvc-protection',
      CACHE,
      /not in the primary's API group: its domain must be cache\.example\.com/,
    ],
    ['example.com/finalizer', CACHE, /not in the primary's API group/],
    ['evilcache.example.com/x', CACHE, /not in the primary's API group/],
    ['example.com/finalizer', 'v1', /its domain must be zeroloop\.dev/],
    ['finalizer', CACHE, /not a qualified name/],
    ['cache.example.com/a/b', CACHE, /not a qualified name/],
    ['Cache.Example.com/x', CACHE, /not a DNS subdomain/],
    ['cache.example.com/-x', CACHE, /name part/],
    [`cache.example.com/${'x'.repeat(64)}`, CACHE, /name part/],
  ] as const;
  for (const [declared, apiVersion, why] of refused) {
    assert.throws(
      () => finalizerNameFor('memcached', declared, apiVersion),
      (error: unknown) =>
        error instanceof InvalidFinalizerName &&
        why.test(error.message) &&
        error.message.includes('leave it out'),
      declared,
    );
  }
});
