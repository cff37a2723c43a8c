// Unit tests of Forbidden: a 403 becomes an error naming verb, resource and namespace; others pass through.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KubeApiError } from './client.ts';
import { asForbidden, findForbidden, Forbidden } from './forbidden.ts';

const refused = new KubeApiError({
  method: 'GET',
  path: '/apis/apps/v1/namespaces/shop/deployments',
  status: 403,
  reason: 'Forbidden',
  message: 'no',
});

test('asForbidden turns a 403 into a Forbidden naming verb, resource with its group, and namespace', () => {
  const error = asForbidden(refused, {
    verb: 'list',
    apiVersion: 'apps/v1',
    resource: 'deployments',
    namespace: 'shop',
  });
  assert.ok(error instanceof Forbidden);
  assert.equal(error.verb, 'list');
  assert.equal(error.apiGroup, 'apps');
  assert.equal(error.namespace, 'shop');
  assert.match(
    error.message,
    /may not list deployments\.apps in namespace shop; grant it .*zeroloop manifests/,
  );
  assert.equal(error.cause, refused);
});

test('asForbidden says cluster-wide for a request without a namespace, and leaves the core group out', () => {
  const error = asForbidden(refused, {
    verb: 'watch',
    apiVersion: 'v1',
    resource: 'configmaps',
    namespace: undefined,
  });
  assert.ok(error instanceof Forbidden);
  assert.match(error.message, /may not watch configmaps cluster-wide/);
});

test('asForbidden passes other errors through, and findForbidden finds one down a cause chain', () => {
  const notFound = new KubeApiError({ method: 'GET', path: '/x', status: 404, message: 'gone' });
  assert.equal(
    asForbidden(notFound, { verb: 'get', apiVersion: 'v1', resource: 'pods', namespace: 'a' }),
    notFound,
  );
  const forbidden = asForbidden(refused, {
    verb: 'list',
    apiVersion: 'v1',
    resource: 'pods',
    namespace: 'a',
  });
  assert.equal(findForbidden(new Error('listing', { cause: forbidden })), forbidden);
  assert.equal(findForbidden(new Error('other', { cause: notFound })), undefined);
});

test('asForbidden takes the verb the apiserver names: an apply that creates is refused as create', () => {
  const apply = new KubeApiError({
    method: 'PATCH',
    path: '/api/v1/namespaces/shop/configmaps/x',
    status: 403,
    message:
      'configmaps "x" is forbidden: User "system:serviceaccount:zeroloop-system:zeroloop-relay" cannot create resource "configmaps" in API group "" in the namespace "shop"',
  });
  const error = asForbidden(apply, {
    verb: 'patch',
    apiVersion: 'v1',
    resource: 'configmaps',
    namespace: 'shop',
  });
  assert.ok(error instanceof Forbidden);
  assert.equal(error.verb, 'create');
});
