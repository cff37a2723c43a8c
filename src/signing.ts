// Signs and verifies protocol requests: HMAC-SHA256 over key id, time, nonce, method, path and body.
//
// The signed text (scheme v2) is these lines joined with "\n", the body last and verbatim:
//
//   zeroloop-v2
//   <key id>      which key signed (x-zeroloop-key-id); the worker derives the cluster from it
//   <timestamp>   unix seconds (x-zeroloop-timestamp); outside the replay window the request is stale
//   <nonce>       32 lowercase hex characters, fresh per request (x-zeroloop-nonce), so two requests
//                 with the same body in the same second differ and a verifier can refuse repeats
//   <METHOD>      e.g. POST
//   <path>        the URL path as sent, without the query: a body signed for one route fails at another
//   <body>
//
// Every line before the body is checked to hold no newline, so the text splits one way only.
// The header carries `v2=<hex HMAC>`.
import { HEADERS } from './protocol/routes.ts';

/** Requests whose timestamp is further than this from the verifier's clock are refused. */
export const DEFAULT_REPLAY_WINDOW_SECONDS = 300;
/** The key id of a worker's single `SIGNING_SECRET`, and what a relay sends when told no other. */
export const DEFAULT_KEY_ID = 'default';
/** Key ids: a letter or digit, then up to 63 letters, digits, `.`, `_` or `-`. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const SCHEME = 'v2=';
const DOMAIN = 'zeroloop-v2';
const NONCE_PATTERN = /^[0-9a-f]{32}$/;
const METHOD_PATTERN = /^[A-Z]{1,16}$/;
const PATH_PATTERN = /^\/[^\s?#]*$/;

const encoder = new TextEncoder();

/** What a signature covers besides its key, time and nonce. */
export interface SignedRequest {
  method: string;
  /** URL path as sent (`new URL(url).pathname`), no query. */
  path: string;
  body: string;
}

/** Imported keys by secret: importing costs as much as signing, and the secrets are few. */
const imported = new Map<string, Promise<CryptoKey>>();
const MAX_IMPORTED = 256;

/** The WebCrypto HMAC-SHA256 key of `secret` (sign and verify), imported once and kept (at most 256). */
export function hmacKey(secret: string): Promise<CryptoKey> {
  let key = imported.get(secret);
  if (!key) {
    if (imported.size >= MAX_IMPORTED) imported.clear();
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ]);
    imported.set(secret, key);
  }
  return key;
}

function nonEmpty(secret: string): string {
  if (secret.length === 0) throw new Error('signing secret is empty: set a non-empty shared secret');
  return secret;
}

function toHex(bytes: ArrayBuffer | Uint8Array): string {
  return Array.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('');
}

function fromHex(hex: string): Uint8Array<ArrayBuffer> | undefined {
  if (hex.length !== 64 || !/^[0-9a-f]+$/.test(hex)) return undefined;
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** A fresh nonce: 16 random bytes as hex. */
export function newNonce(): string {
  return toHex(crypto.getRandomValues(new Uint8Array(16)));
}

/** Why a request's fields cannot be signed, or undefined when they can. */
function unsignable(keyId: string, nonce: string, request: SignedRequest): string | undefined {
  if (!KEY_ID_PATTERN.test(keyId)) return `key id "${keyId.slice(0, 64)}" is not ${String(KEY_ID_PATTERN)}`;
  if (!NONCE_PATTERN.test(nonce)) return 'nonce is not 32 lowercase hex characters';
  if (!METHOD_PATTERN.test(request.method))
    return `method "${request.method.slice(0, 16)}" is not upper case`;
  if (!PATH_PATTERN.test(request.path))
    return 'path must start with / and hold no whitespace, query or fragment';
  return undefined;
}

function signedText(keyId: string, timestamp: string, nonce: string, request: SignedRequest): Uint8Array {
  const head = [DOMAIN, keyId, timestamp, nonce, request.method, request.path].join('\n');
  return encoder.encode(`${head}\n${request.body}`);
}

/**
 * Computes the hex HMAC-SHA256 of `text` under `secret`. The default is WebCrypto's, which every
 * runtime has; the relay passes Node's synchronous one (relay/dispatch/node-hmac.ts), about a tenth
 * of WebCrypto's CPU per request there.
 */
export type Hmac = (secret: string, text: Uint8Array) => string | Promise<string>;

async function webCryptoHmac(secret: string, text: Uint8Array): Promise<string> {
  return toHex(await crypto.subtle.sign('HMAC', await hmacKey(secret), text as Uint8Array<ArrayBuffer>));
}

export interface SignOptions extends SignedRequest {
  secret: string;
  /** Defaults to WebCrypto's HMAC. */
  hmac?: Hmac;
  /** Defaults to DEFAULT_KEY_ID. */
  keyId?: string;
  /** Defaults to now. */
  nowSeconds?: number;
  /** Defaults to a fresh one (newNonce); the relay passes one from its pooled random source, known-answer tests a fixed one. */
  nonce?: string;
}

/** The hex HMAC-SHA256 of the signed text (see the top of this file). */
export async function signature(
  options: SignOptions & { nowSeconds: number; nonce: string },
): Promise<string> {
  const keyId = options.keyId ?? DEFAULT_KEY_ID;
  const problem = unsignable(keyId, options.nonce, options);
  if (problem !== undefined) throw new Error(`cannot sign: ${problem}`);
  nonEmpty(options.secret);
  const text = signedText(keyId, String(options.nowSeconds), options.nonce, options);
  return (options.hmac ?? webCryptoHmac)(options.secret, text);
}

/** The protocol headers that sign one request. */
export async function signHeaders(options: SignOptions): Promise<Record<string, string>> {
  const keyId = options.keyId ?? DEFAULT_KEY_ID;
  const nowSeconds = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  const nonce = options.nonce ?? newNonce();
  return {
    [HEADERS.keyId]: keyId,
    [HEADERS.timestamp]: String(nowSeconds),
    [HEADERS.nonce]: nonce,
    [HEADERS.signature]: SCHEME + (await signature({ ...options, keyId, nowSeconds, nonce })),
  };
}

export type VerifyFailure = 'missing' | 'malformed' | 'stale' | 'unknown_key' | 'forged';

export type VerifyResult =
  | {
      ok: true;
      keyId: string;
      /** Unix seconds the request was signed at. */
      timestamp: number;
      /** The verified signature, hex: unique per request, for replay checks. */
      signature: string;
    }
  | { ok: false; reason: VerifyFailure; message: string };

/** The signature headers of a request, as received (absent headers as null or undefined). */
export interface SignatureHeaders {
  keyId: string | null | undefined;
  timestamp: string | null | undefined;
  nonce: string | null | undefined;
  signature: string | null | undefined;
}

export interface VerifyOptions extends SignedRequest {
  headers: SignatureHeaders;
  /** The secret of a key id, or undefined when the verifier has no such key. */
  secretOf: (keyId: string) => string | undefined;
  nowSeconds?: number;
  windowSeconds?: number;
}

function fail(reason: VerifyFailure, message: string): VerifyResult {
  return { ok: false, reason, message };
}

/** Checks a request's signature headers; the comparison is constant-time (WebCrypto verify). */
export async function verify(options: VerifyOptions): Promise<VerifyResult> {
  const { keyId, timestamp, nonce, signature: header } = options.headers;
  if (!keyId || !timestamp || !nonce || !header) {
    return fail(
      'missing',
      `missing one of the ${HEADERS.keyId}, ${HEADERS.timestamp}, ${HEADERS.nonce} and ${HEADERS.signature} headers`,
    );
  }
  if (!/^\d{1,12}$/.test(timestamp) || !header.startsWith(SCHEME)) {
    return fail('malformed', `malformed signature headers: expected unix seconds and ${SCHEME}<hex>`);
  }
  const sig = fromHex(header.slice(SCHEME.length));
  if (!sig) return fail('malformed', 'malformed signature: expected 64 hex characters');
  const problem = unsignable(keyId, nonce, options);
  if (problem !== undefined) return fail('malformed', `malformed signed request: ${problem}`);
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  const window = options.windowSeconds ?? DEFAULT_REPLAY_WINDOW_SECONDS;
  if (Math.abs(now - Number(timestamp)) > window) {
    return fail('stale', `timestamp outside the ${window}s replay window: check clocks`);
  }
  const secret = options.secretOf(keyId);
  if (secret === undefined) {
    return fail(
      'unknown_key',
      `unknown key id "${keyId}": sign with a key the worker holds, or add it there`,
    );
  }
  const key = await hmacKey(nonEmpty(secret));
  const text = signedText(keyId, timestamp, nonce, options) as Uint8Array<ArrayBuffer>;
  const valid = await crypto.subtle.verify('HMAC', key, sig, text);
  if (!valid) {
    return fail(
      'forged',
      `signature does not match: check that relay and worker share key "${keyId}", and that the body, method and path were not changed`,
    );
  }
  return { ok: true, keyId, timestamp: Number(timestamp), signature: toHex(sig) };
}
