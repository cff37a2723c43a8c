// Unit tests of signing Secret decoding and reading: the key, the optional key id, and each way a Secret can be unusable, named in the error.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeKube } from '../testing/fake-kube.ts';
import { decodeSigningSecret, readSigningKey, SigningSecretUnavailable } from './signing-secret.ts';

const ref = { namespace: 'zeroloop', name: 'signing', key: 'hmac' };
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

test('decodeSigningSecret should read the key, and the key id when the Secret has one', () => {
  assert.deepEqual(decodeSigningSecret({ data: { hmac: b64('s3cret') } }, ref), { key: 's3cret' });
  assert.deepEqual(decodeSigningSecret({ data: { hmac: b64('s3cret'), keyId: b64('2026-12') } }, ref), {
    key: 's3cret',
    keyId: '2026-12',
  });
});

test('decodeSigningSecret should refuse a missing, empty or badly named key, saying which Secret and entry', () => {
  const cases: [unknown, RegExp][] = [
    [{}, /Secret zeroloop\/signing has no key hmac/],
    [{ data: { other: b64('x') } }, /has no key hmac/],
    [{ data: { hmac: '' } }, /has no key hmac/],
    [{ data: { hmac: b64('') + '=' } }, /key hmac is empty/],
    [{ data: { hmac: b64('k'), keyId: b64('no spaces allowed') } }, /entry keyId is not a key id/],
    [{ data: 'not a map' }, /zeroloop\/signing is not a Secret/],
  ];
  for (const [raw, message] of cases) {
    assert.throws(
      () => decodeSigningSecret(raw, ref),
      (error: unknown) => error instanceof SigningSecretUnavailable && message.test(error.message),
      JSON.stringify(raw),
    );
  }
});

test('readSigningKey should GET the Secret, and turn a refused read into SigningSecretUnavailable', async () => {
  const kube = new FakeKube();
  const path = '/api/v1/namespaces/zeroloop/secrets/signing';
  await assert.rejects(readSigningKey(kube, ref), (error: unknown) => {
    assert.ok(error instanceof SigningSecretUnavailable);
    assert.match(error.message, /reading Secret zeroloop\/signing: .*404/);
    return true;
  });
  kube.put(path, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'signing' },
    data: { hmac: b64('k1') },
  });
  assert.deepEqual(await readSigningKey(kube, ref), { key: 'k1' });
});
