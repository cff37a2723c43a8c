// Unit tests of request signing: known-answer vectors, scope (key id, method, path, body), the replay window, bad headers.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HEADERS } from './protocol/routes.ts';
import {
  DEFAULT_REPLAY_WINDOW_SECONDS,
  newNonce,
  signHeaders,
  signature,
  verify,
  type SignatureHeaders,
  type SignedRequest,
  type VerifyOptions,
} from './signing.ts';

// Vectors computed outside this code base with `openssl dgst -sha256 -hmac <secret>` over
// "zeroloop-v2\n<key id>\n<timestamp>\n<nonce>\n<METHOD>\n<path>\n<body>", cross-checked with Python's hmac.
const VECTORS = [
  {
    secret: 'zeroloop-test-secret',
    keyId: 'default',
    nowSeconds: 1700000000,
    nonce: '00112233445566778899aabbccddeeff',
    method: 'POST',
    path: '/v1/reconcilers/website/reconcile',
    body: '{"hello":"world"}',
    hex: 'cdc93856eadb182f87ef01b32bf43577456a7ddae3c9fb1d176bba4e7645206a',
  },
  {
    secret: 'k',
    keyId: 'k1',
    nowSeconds: 0,
    nonce: 'ffffffffffffffffffffffffffffffff',
    method: 'GET',
    path: '/v1/reconcilers',
    body: '',
    hex: 'b0970915f5e3b2fe00afda7aca40ba2a86afecb70939978e45b7b7e397657806',
  },
  {
    secret: 'sécret',
    keyId: 'east-1.v2',
    nowSeconds: 1767225600,
    nonce: '0123456789abcdef0123456789abcdef',
    method: 'POST',
    path: '/v1/reconcilers/database/reconcile',
    body: 'héllo ✓\nsecond line',
    hex: 'e26c8477845762810a6e8681d386bdfa1ee886f6a78adc434c496f9c9f01e436',
  },
  // A secret longer than SHA-256's 64-byte block is hashed first (RFC 2104).
  {
    secret: 'x'.repeat(100),
    keyId: 'default',
    nowSeconds: 42,
    nonce: 'a'.repeat(32),
    method: 'POST',
    path: '/v1/reconcilers/website/reconcile',
    body: '',
    hex: 'dd98410a138efed3be0dadd8651c79adf1fcc9bb4cc1d7d5a8b41f90eaf02193',
  },
] as const;

const SECRET = 'zeroloop-test-secret';
const NOW = 1_700_000_000;
const REQUEST: SignedRequest = {
  method: 'POST',
  path: '/v1/reconcilers/a/reconcile',
  body: '{"primary":{}}',
};

async function headersFor(at: number, options: { keyId?: string; secret?: string } = {}) {
  const h = await signHeaders({ secret: options.secret ?? SECRET, ...REQUEST, nowSeconds: at, ...options });
  return {
    keyId: h[HEADERS.keyId],
    timestamp: h[HEADERS.timestamp],
    nonce: h[HEADERS.nonce],
    signature: h[HEADERS.signature],
  };
}

function check(headers: SignatureHeaders, overrides: Partial<VerifyOptions> = {}) {
  return verify({
    headers,
    secretOf: (id) => ({ default: SECRET, k2: 'second-secret' })[id],
    ...REQUEST,
    nowSeconds: NOW,
    ...overrides,
  });
}

async function reasonOf(result: ReturnType<typeof verify>): Promise<string> {
  const r = await result;
  return r.ok ? 'ok' : r.reason;
}

describe('signature', () => {
  for (const v of VECTORS) {
    test(`signature should match the known answer for key "${v.keyId}", ${v.method} ${v.path} at ${v.nowSeconds}`, async () => {
      assert.equal(await signature(v), v.hex);
    });
  }

  test('signature should refuse an empty secret with a message saying what to do', async () => {
    await assert.rejects(signature({ ...VECTORS[1], secret: '' }), /signing secret is empty/);
  });

  test('signature should refuse fields that could make the signed text ambiguous', async () => {
    const v = VECTORS[0];
    await assert.rejects(signature({ ...v, keyId: 'a\nb' }), /key id/);
    await assert.rejects(signature({ ...v, path: '/v1/x\nPOST' }), /path/);
    await assert.rejects(signature({ ...v, path: '/v1/x?y=1' }), /path/);
    await assert.rejects(signature({ ...v, method: 'post' }), /method/);
    await assert.rejects(signature({ ...v, nonce: 'short' }), /nonce/);
  });
});

describe('signHeaders', () => {
  test('signHeaders should put key id, unix seconds, nonce and v2=<hex> in the protocol headers', async () => {
    const v = VECTORS[0];
    assert.deepEqual(await signHeaders(v), {
      [HEADERS.keyId]: 'default',
      [HEADERS.timestamp]: '1700000000',
      [HEADERS.nonce]: v.nonce,
      [HEADERS.signature]: `v2=${v.hex}`,
    });
  });

  test('signHeaders should default the key id and use a fresh nonce each time', async () => {
    const a = await signHeaders({ secret: SECRET, ...REQUEST, nowSeconds: NOW });
    const b = await signHeaders({ secret: SECRET, ...REQUEST, nowSeconds: NOW });
    assert.equal(a[HEADERS.keyId], 'default');
    assert.notEqual(a[HEADERS.nonce], b[HEADERS.nonce]);
    assert.notEqual(a[HEADERS.signature], b[HEADERS.signature]);
    assert.match(newNonce(), /^[0-9a-f]{32}$/);
  });
});

describe('verify', () => {
  test('verify should accept a request signed now, reporting its key id, time and signature', async () => {
    const h = await headersFor(NOW);
    assert.deepEqual(await check(h), {
      ok: true,
      keyId: 'default',
      timestamp: NOW,
      signature: h.signature?.slice(3),
    });
  });

  test('verify should accept a timestamp at the edge of the replay window, both ways', async () => {
    for (const skew of [-DEFAULT_REPLAY_WINDOW_SECONDS, DEFAULT_REPLAY_WINDOW_SECONDS]) {
      assert.equal(await reasonOf(check(await headersFor(NOW + skew))), 'ok');
    }
  });

  test('verify should refuse a timestamp one second outside the replay window as stale', async () => {
    for (const skew of [-DEFAULT_REPLAY_WINDOW_SECONDS - 1, DEFAULT_REPLAY_WINDOW_SECONDS + 1]) {
      assert.equal(await reasonOf(check(await headersFor(NOW + skew))), 'stale');
    }
  });

  test('verify should honour a custom replay window', async () => {
    const h = await headersFor(NOW - 11);
    assert.equal(await reasonOf(check(h, { windowSeconds: 10 })), 'stale');
    assert.equal(await reasonOf(check(h, { windowSeconds: 11 })), 'ok');
  });

  test('verify should refuse as forged a change to the body, method, path, timestamp, nonce or key id', async () => {
    const h = await headersFor(NOW);
    const cases: [string, SignatureHeaders, Partial<VerifyOptions>][] = [
      ['body', h, { body: REQUEST.body + ' ' }],
      ['method', h, { method: 'PUT' }],
      ['path', h, { path: '/v1/reconcilers/b/reconcile' }],
      ['timestamp', { ...h, timestamp: String(NOW + 1) }, {}],
      ['nonce', { ...h, nonce: newNonce() }, {}],
      ['key id (same secret)', { ...h, keyId: 'k2' }, { secretOf: () => SECRET }],
      ['secret', h, { secretOf: () => 'another-secret' }],
    ];
    for (const [what, headers, overrides] of cases) {
      assert.equal(await reasonOf(check(headers, overrides)), 'forged', what);
    }
  });

  test('verify should accept a second key under its id, and refuse an id it does not hold', async () => {
    assert.equal(
      await reasonOf(check(await headersFor(NOW, { keyId: 'k2', secret: 'second-secret' }))),
      'ok',
    );
    const unknown = await check(await headersFor(NOW, { keyId: 'k3' }));
    assert.equal(unknown.ok ? 'ok' : unknown.reason, 'unknown_key');
    assert.match(unknown.ok ? '' : unknown.message, /unknown key id "k3"/);
  });

  test('verify should refuse a signature with one flipped hex digit as forged', async () => {
    const h = await headersFor(NOW);
    const sig = h.signature ?? '';
    const last = sig.at(-1) === '0' ? '1' : '0';
    assert.equal(await reasonOf(check({ ...h, signature: sig.slice(0, -1) + last })), 'forged');
  });

  test('verify should refuse missing headers', async () => {
    const h = await headersFor(NOW);
    for (const c of [
      { ...h, timestamp: undefined },
      { ...h, signature: null },
      { ...h, timestamp: '' },
      { ...h, keyId: undefined },
      { ...h, nonce: undefined },
    ]) {
      assert.equal(await reasonOf(check(c)), 'missing', JSON.stringify(c));
    }
  });

  test('verify should refuse malformed headers, an old v1 signature among them', async () => {
    const h = await headersFor(NOW);
    const hex = (h.signature ?? '').slice(3);
    for (const c of [
      { ...h, timestamp: '17e8' },
      { ...h, timestamp: '-1' },
      { ...h, timestamp: '1234567890123' },
      { ...h, signature: hex },
      { ...h, signature: `v1=${hex}` },
      { ...h, signature: `v2=${hex.slice(2)}` },
      { ...h, signature: `v2=${hex.toUpperCase()}` },
      { ...h, signature: `v2=${hex.slice(1)}z` },
      { ...h, nonce: 'A'.repeat(32) },
      { ...h, keyId: '-leading-dash' },
      { ...h, keyId: 'k'.repeat(65) },
    ]) {
      assert.equal(await reasonOf(check(c)), 'malformed', JSON.stringify(c));
    }
  });
});
