// Unit tests of request signing: known-answer vectors, the replay window, and forged, malformed and missing headers.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HEADERS } from './protocol/routes.ts';
import { DEFAULT_REPLAY_WINDOW_SECONDS, signHeaders, signature, verify } from './signing.ts';

// Vectors computed outside this code base with `openssl dgst -sha256 -hmac <secret>` over
// `<timestamp>.<body>` and cross-checked with Python's hmac module.
const VECTORS = [
  {
    secret: 'zeroloop-test-secret',
    timestamp: 1700000000,
    body: '{"hello":"world"}',
    hex: '696e7ce0b5130923b5348a3ee6dd7e26cd8470b22593ef567c12a85c37eb58fe',
  },
  {
    secret: 'k',
    timestamp: 0,
    body: '',
    hex: '6b4a4b8b3c40f1e8f53a3d36682e5f99f7ad2ac1df1c93dfe336f329167641e7',
  },
  {
    secret: 'sécret',
    timestamp: 1767225600,
    body: 'héllo ✓',
    hex: 'eeabd24248b3173218545e18f14c74b965a3c3766142d774f797b51815c5739b',
  },
  // A secret longer than SHA-256's 64-byte block is hashed first (RFC 2104).
  {
    secret: 'x'.repeat(100),
    timestamp: 42,
    body: '',
    hex: 'deca6e7fe4f844ddcd4357200e55cdfad746527bcfeaa517416de5fd7126d748',
  },
];

const SECRET = 'zeroloop-test-secret';
const NOW = 1_700_000_000;
const BODY = '{"primary":{}}';

async function headersFor(body: string, at: number, secret = SECRET) {
  const h = await signHeaders(secret, body, at);
  return { timestamp: h[HEADERS.timestamp], signature: h[HEADERS.signature] };
}

describe('signature', () => {
  for (const v of VECTORS) {
    test(`signature should match the known answer for secret of ${v.secret.length} chars at ${v.timestamp}`, async () => {
      assert.equal(await signature(v.secret, v.timestamp, v.body), v.hex);
    });
  }

  test('signature should refuse an empty secret with a message saying what to do', async () => {
    await assert.rejects(signature('', NOW, BODY), /signing secret is empty/);
  });
});

describe('signHeaders', () => {
  test('signHeaders should put unix seconds and v1=<hex> in the protocol headers', async () => {
    const h = await signHeaders(SECRET, '{"hello":"world"}', 1700000000);
    assert.deepEqual(h, {
      [HEADERS.timestamp]: '1700000000',
      [HEADERS.signature]: `v1=${VECTORS[0]?.hex ?? ''}`,
    });
  });
});

describe('verify', () => {
  test('verify should accept a request signed now', async () => {
    const h = await headersFor(BODY, NOW);
    assert.deepEqual(await verify({ secret: SECRET, body: BODY, nowSeconds: NOW, ...h }), { ok: true });
  });

  test('verify should accept a timestamp at the edge of the replay window, both ways', async () => {
    for (const skew of [-DEFAULT_REPLAY_WINDOW_SECONDS, DEFAULT_REPLAY_WINDOW_SECONDS]) {
      const h = await headersFor(BODY, NOW + skew);
      assert.deepEqual(await verify({ secret: SECRET, body: BODY, nowSeconds: NOW, ...h }), { ok: true });
    }
  });

  test('verify should refuse a timestamp one second outside the replay window as stale', async () => {
    for (const skew of [-DEFAULT_REPLAY_WINDOW_SECONDS - 1, DEFAULT_REPLAY_WINDOW_SECONDS + 1]) {
      const h = await headersFor(BODY, NOW + skew);
      const result = await verify({ secret: SECRET, body: BODY, nowSeconds: NOW, ...h });
      assert.equal(result.ok ? 'ok' : result.reason, 'stale');
    }
  });

  test('verify should honour a custom replay window', async () => {
    const h = await headersFor(BODY, NOW - 11);
    const refused = await verify({ secret: SECRET, body: BODY, nowSeconds: NOW, windowSeconds: 10, ...h });
    assert.equal(refused.ok ? 'ok' : refused.reason, 'stale');
    const accepted = await verify({ secret: SECRET, body: BODY, nowSeconds: NOW, windowSeconds: 11, ...h });
    assert.equal(accepted.ok, true);
  });

  test('verify should refuse a changed body, a wrong secret and a replayed signature with another timestamp as forged', async () => {
    const h = await headersFor(BODY, NOW);
    const cases = [
      { secret: SECRET, body: BODY + ' ', ...h },
      { secret: 'another-secret', body: BODY, ...h },
      { secret: SECRET, body: BODY, timestamp: String(NOW + 1), signature: h.signature },
    ];
    for (const c of cases) {
      const result = await verify({ ...c, nowSeconds: NOW });
      assert.equal(result.ok ? 'ok' : result.reason, 'forged', JSON.stringify(c));
    }
  });

  test('verify should refuse a signature with one flipped hex digit as forged', async () => {
    const h = await headersFor(BODY, NOW);
    const sig = h.signature ?? '';
    const last = sig.at(-1) === '0' ? '1' : '0';
    const result = await verify({
      secret: SECRET,
      body: BODY,
      nowSeconds: NOW,
      ...h,
      signature: sig.slice(0, -1) + last,
    });
    assert.equal(result.ok ? 'ok' : result.reason, 'forged');
  });

  test('verify should refuse missing headers', async () => {
    const h = await headersFor(BODY, NOW);
    for (const c of [
      { timestamp: undefined, signature: h.signature },
      { timestamp: h.timestamp, signature: null },
      { timestamp: '', signature: h.signature },
    ]) {
      const result = await verify({ secret: SECRET, body: BODY, nowSeconds: NOW, ...c });
      assert.equal(result.ok ? 'ok' : result.reason, 'missing');
    }
  });

  test('verify should refuse malformed timestamps and signatures', async () => {
    const h = await headersFor(BODY, NOW);
    const hex = (h.signature ?? '').slice(3);
    for (const c of [
      { timestamp: '17e8', signature: h.signature },
      { timestamp: '-1', signature: h.signature },
      { timestamp: '1234567890123', signature: h.signature },
      { timestamp: h.timestamp, signature: hex },
      { timestamp: h.timestamp, signature: `v2=${hex}` },
      { timestamp: h.timestamp, signature: `v1=${hex.slice(2)}` },
      { timestamp: h.timestamp, signature: `v1=${hex.toUpperCase()}` },
      { timestamp: h.timestamp, signature: `v1=${hex.slice(1)}z` },
    ]) {
      const result = await verify({ secret: SECRET, body: BODY, nowSeconds: NOW, ...c });
      assert.equal(result.ok ? 'ok' : result.reason, 'malformed', JSON.stringify(c));
    }
  });
});
