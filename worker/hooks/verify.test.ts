// verifyDelivery: GitHub's documented test vector, signatures made by @octokit/webhooks-methods, and each source's refusals.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { sign } from '@octokit/webhooks-methods';
import { verifyDelivery, verifyNoHook } from './verify.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

test("verifyDelivery should accept GitHub's documented X-Hub-Signature-256 test vector", async () => {
  const headers = new Headers({
    'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
  });
  assert.equal(
    await verifyDelivery('github', "It's a Secret to Everybody", headers, bytes('Hello, World!')),
    true,
  );
  assert.equal(
    await verifyDelivery('github', "It's a Secret to Everybody", headers, bytes('Hello, World?')),
    false,
  );
  assert.equal(
    await verifyDelivery('github', "It's a secret to everybody", headers, bytes('Hello, World!')),
    false,
  );
});

test('verifyDelivery should accept what @octokit/webhooks-methods signs, and refuse a changed body', async () => {
  const payload = JSON.stringify({ ref: 'refs/heads/main', zen: 'Keep it logically awesome.' });
  const headers = new Headers({ 'x-hub-signature-256': await sign('octo-secret', payload) });
  assert.equal(await verifyDelivery('github', 'octo-secret', headers, bytes(payload)), true);
  assert.equal(await verifyDelivery('github', 'octo-secret', headers, bytes(payload + ' ')), false);
});

test('verifyDelivery should refuse a missing or malformed signature header', async () => {
  for (const value of [undefined, 'sha1=abc', 'sha256=zz', `sha256=${'0'.repeat(63)}`]) {
    const headers = new Headers(value === undefined ? {} : { 'x-hub-signature-256': value });
    assert.equal(await verifyDelivery('github', 's', headers, bytes('{}')), false, String(value));
  }
});

test('verifyDelivery should check generic-hmac X-Signature over the raw bytes', async () => {
  const body = bytes('{"a":1}');
  const hex = createHmac('sha256', 'generic').update(body).digest('hex');
  assert.equal(
    await verifyDelivery('generic-hmac', 'generic', new Headers({ 'x-signature': `sha256=${hex}` }), body),
    true,
  );
  assert.equal(
    await verifyDelivery('generic-hmac', 'other', new Headers({ 'x-signature': `sha256=${hex}` }), body),
    false,
  );
  assert.equal(
    await verifyDelivery(
      'generic-hmac',
      'generic',
      new Headers({ 'x-hub-signature-256': `sha256=${hex}` }),
      body,
    ),
    false,
  );
});

test('verifyDelivery should compare GitLab and bearer tokens whole', async () => {
  const body = bytes('{}');
  assert.equal(await verifyDelivery('gitlab', 'tok', new Headers({ 'x-gitlab-token': 'tok' }), body), true);
  assert.equal(await verifyDelivery('gitlab', 'tok', new Headers({ 'x-gitlab-token': 'to' }), body), false);
  assert.equal(await verifyDelivery('gitlab', 'tok', new Headers({ 'x-gitlab-token': 'tokk' }), body), false);
  assert.equal(await verifyDelivery('gitlab', 'tok', new Headers(), body), false);
  assert.equal(
    await verifyDelivery('bearer', 'tok', new Headers({ authorization: 'Bearer tok' }), body),
    true,
  );
  assert.equal(
    await verifyDelivery('bearer', 'tok', new Headers({ authorization: 'bearer tok' }), body),
    true,
  );
  assert.equal(
    await verifyDelivery('bearer', 'tok', new Headers({ authorization: 'Basic tok' }), body),
    false,
  );
  assert.equal(
    await verifyDelivery('bearer', 'tok', new Headers({ authorization: 'Bearer tok2' }), body),
    false,
  );
});

test('verifyNoHook should always refuse', async () => {
  assert.equal(await verifyNoHook(bytes('Hello, World!')), false);
});
