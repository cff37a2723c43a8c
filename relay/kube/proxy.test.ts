// Unit tests of proxy selection: the cluster's proxy-url, HTTPS_PROXY/HTTP_PROXY, NO_PROXY's forms, loopback never proxied.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseProxy, ProxyUrlInvalid, useProxy } from './proxy.ts';

test('proxy should be the cluster proxy-url first, then HTTPS_PROXY for https and HTTP_PROXY for http servers', () => {
  const env = { HTTPS_PROXY: 'http://secure:3128', HTTP_PROXY: 'http://plain:3128' };
  assert.deepEqual(chooseProxy('https://api.example:6443', 'socks5://s:1080', env), {
    url: 'socks5://s:1080',
    from: 'proxy-url',
  });
  assert.deepEqual(chooseProxy('https://api.example:6443', undefined, env), {
    url: 'http://secure:3128',
    from: 'HTTPS_PROXY',
  });
  assert.deepEqual(chooseProxy('http://api.example:8080', '', env), {
    url: 'http://plain:3128',
    from: 'HTTP_PROXY',
  });
  assert.deepEqual(chooseProxy('https://api.example', undefined, { https_proxy: 'proxy:8080' }), {
    url: 'http://proxy:8080',
    from: 'HTTPS_PROXY',
  });
  assert.equal(chooseProxy('https://api.example', undefined, { HTTP_PROXY: 'http://plain:1' }), undefined);
  assert.equal(chooseProxy('https://api.example', undefined, {}), undefined);
  assert.throws(() => chooseProxy('https://x', 'ftp://p', {}), ProxyUrlInvalid);
  assert.throws(() => chooseProxy('https://x', undefined, { HTTPS_PROXY: 'http://[bad' }), /not a URL/);
});

test('proxy should never be used for localhost and loopback addresses, as Go does', () => {
  for (const host of ['localhost', '127.0.0.1', '127.8.9.1', '[::1]'])
    assert.equal(useProxy(host, '6443', ''), false, host);
  assert.equal(chooseProxy('https://127.0.0.1:6443', undefined, { HTTPS_PROXY: 'http://p:1' }), undefined);
  assert.equal(useProxy('10.0.0.1', '443', ''), true);
});

test('proxy should honour every NO_PROXY form: domain, .subdomain, IP, CIDR, port, *', () => {
  const no = (host: string, noProxy: string, port = '443') => !useProxy(host, port, noProxy);
  assert.equal(no('example.com', 'example.com'), true);
  assert.equal(no('api.example.com', 'example.com'), true);
  assert.equal(no('notexample.com', 'example.com'), false);
  assert.equal(no('api.example.com', '.example.com'), true);
  assert.equal(no('example.com', '.example.com'), false);
  assert.equal(no('10.1.2.3', '10.0.0.0/8'), true);
  assert.equal(no('11.1.2.3', '10.0.0.0/8'), false);
  assert.equal(no('fd00::5', 'fd00::/64'), true);
  assert.equal(no('10.1.2.3', '10.1.2.3'), true);
  assert.equal(no('api.example.com', 'api.example.com:6443', '6443'), true);
  assert.equal(no('api.example.com', 'api.example.com:6443', '443'), false);
  assert.equal(no('anything', ' other.org , * '), true);
  assert.equal(no('API.Example.com', 'example.COM'), true);
});
