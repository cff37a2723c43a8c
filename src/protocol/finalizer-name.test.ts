// Unit tests of the finalizer names a descriptor may choose.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultFinalizerName, finalizerNameProblem } from './finalizer-name.ts';

test('finalizerNameProblem should accept the primary group, its subdomains and zeroloop.dev', () => {
  for (const name of ['cache.example.com/finalizer', 'x.cache.example.com/f', 'zeroloop.dev/memcached'])
    assert.equal(finalizerNameProblem(name, 'cache.example.com/v1alpha1'), undefined, name);
  assert.equal(finalizerNameProblem('zeroloop.dev/cm', 'v1'), undefined);
  assert.equal(defaultFinalizerName('website'), 'zeroloop.dev/website');
});

test('finalizerNameProblem should refuse other groups and names that are not qualified', () => {
  assert.match(
    finalizerNameProblem('example.com/finalizer', 'cache.example.com/v1alpha1') ?? '',
    /has domain example\.com; a reconciler of cache\.example\.com\/v1alpha1 may use cache\.example\.com/,
  );
  assert.match(finalizerNameProblem('kubernetes.io/pvc', 'v1') ?? '', /may use zeroloop\.dev$/);
  assert.match(finalizerNameProblem('evilcache.example.com/f', 'cache.example.com/v1') ?? '', /has domain/);
  for (const bad of ['finalizer', 'Cache.Example.com/f', 'cache.example.com/', 'cache.example.com/-x', '/f'])
    assert.match(finalizerNameProblem(bad, 'cache.example.com/v1') ?? '', /not a qualified name/, bad);
});
