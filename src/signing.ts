// Signs and verifies protocol requests: HMAC-SHA256 over `timestamp.body`, with a replay window.
import { HEADERS } from './protocol/routes.ts';

/** Requests whose timestamp is further than this from the verifier's clock are refused. */
export const DEFAULT_REPLAY_WINDOW_SECONDS = 300;
const SCHEME = 'v1=';

const encoder = new TextEncoder();

async function hmacKey(secret: string): Promise<CryptoKey> {
  if (secret.length === 0) throw new Error('signing secret is empty: set a non-empty shared secret');
  return crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
    'verify',
  ]);
}

function toHex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
}

function fromHex(hex: string): Uint8Array<ArrayBuffer> | undefined {
  if (hex.length !== 64 || !/^[0-9a-f]+$/.test(hex)) return undefined;
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** The hex HMAC-SHA256 of `${timestamp}.${body}`. */
export async function signature(secret: string, timestamp: number, body: string): Promise<string> {
  const key = await hmacKey(secret);
  return toHex(await crypto.subtle.sign('HMAC', key, encoder.encode(`${timestamp}.${body}`)));
}

/** Headers that sign `body` at `nowSeconds`. */
export async function signHeaders(
  secret: string,
  body: string,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): Promise<Record<string, string>> {
  return {
    [HEADERS.timestamp]: String(nowSeconds),
    [HEADERS.signature]: SCHEME + (await signature(secret, nowSeconds, body)),
  };
}

export type VerifyResult =
  { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'forged'; message: string };

export interface VerifyOptions {
  secret: string;
  timestamp: string | null | undefined;
  signature: string | null | undefined;
  body: string;
  nowSeconds?: number;
  windowSeconds?: number;
}

/** Checks a request's signature headers; the comparison is constant-time (WebCrypto verify). */
export async function verify(options: VerifyOptions): Promise<VerifyResult> {
  const { timestamp, signature: header, body } = options;
  if (!timestamp || !header) {
    return {
      ok: false,
      reason: 'missing',
      message: `missing ${HEADERS.timestamp} or ${HEADERS.signature} header`,
    };
  }
  if (!/^\d{1,12}$/.test(timestamp) || !header.startsWith(SCHEME)) {
    return {
      ok: false,
      reason: 'malformed',
      message: `malformed signature headers: expected unix seconds and ${SCHEME}<hex>`,
    };
  }
  const sig = fromHex(header.slice(SCHEME.length));
  if (!sig)
    return { ok: false, reason: 'malformed', message: 'malformed signature: expected 64 hex characters' };
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  const window = options.windowSeconds ?? DEFAULT_REPLAY_WINDOW_SECONDS;
  if (Math.abs(now - Number(timestamp)) > window) {
    return {
      ok: false,
      reason: 'stale',
      message: `timestamp outside the ${window}s replay window: check clocks`,
    };
  }
  const key = await hmacKey(options.secret);
  const valid = await crypto.subtle.verify('HMAC', key, sig, encoder.encode(`${timestamp}.${body}`));
  return valid
    ? { ok: true }
    : { ok: false, reason: 'forged', message: 'signature does not match: check the shared secret' };
}
