// Unit tests of the token file and the service-account signing key.
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { test } from 'node:test';
import { newSigningKey, newToken, renderTokenFile } from './credentials.ts';

test('renderTokenFile should write one CSV line per token with quoted groups', () => {
  const text = renderTokenFile([
    { token: 'abc', user: 'admin', uid: 'u1', groups: ['system:masters', 'team'] },
    { token: 'def', user: 'system:kube-controller-manager', uid: 'u2', groups: [] },
  ]);
  assert.equal(text, 'abc,admin,u1,"system:masters,team"\ndef,system:kube-controller-manager,u2,""\n');
});

test('renderTokenFile should refuse values that would break the CSV', () => {
  assert.throws(() => renderTokenFile([{ token: 'a,b', user: 'x', uid: 'x', groups: [] }]), TypeError);
  assert.throws(() => renderTokenFile([{ token: 'a', user: 'x', uid: 'x', groups: ['g"'] }]), TypeError);
});

test('newToken should be 256 random bits in hex', () => {
  const token = newToken();
  assert.match(token, /^[0-9a-f]{64}$/);
  assert.notEqual(newToken(), token);
});

test('newSigningKey should produce a P-256 key pair that signs and verifies', async () => {
  const key = await newSigningKey();
  const privateKey = createPrivateKey(key.privateKeyPem);
  assert.equal(privateKey.asymmetricKeyType, 'ec');
  assert.match(key.privateKeyPem, /^-----BEGIN PRIVATE KEY-----/);
  assert.match(key.publicKeyPem, /^-----BEGIN PUBLIC KEY-----/);
  const signature = sign('sha256', Buffer.from('x'), privateKey);
  assert.equal(verify('sha256', Buffer.from('x'), createPublicKey(key.publicKeyPem), signature), true);
});
