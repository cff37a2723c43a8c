// Verifies a hook delivery's signature for its source, in constant time: github, gitlab, generic-hmac, bearer.
//
// github        X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>
// generic-hmac  X-Signature: sha256=<hex HMAC-SHA256 of the raw body>
// gitlab        X-Gitlab-Token: <secret>
// bearer        Authorization: Bearer <secret>
// HMACs are checked with WebCrypto's verify (constant time); tokens are compared as SHA-256 digests with a
// loop that always runs to the end, so neither the time nor the length of a wrong token tells anything.
import type { HookSource } from '../../src/protocol/hooks.ts';
import { hmacKey } from '../../src/signing.ts';

const encoder = new TextEncoder();
const SHA256_HEADER = /^sha256=([0-9a-fA-F]{64})$/;
const BEARER = /^Bearer +(\S+)$/i;

function fromHex(hex: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

async function verifyHmac(
  secret: string,
  header: string | null,
  body: Uint8Array<ArrayBuffer>,
): Promise<boolean> {
  const match = header === null ? null : SHA256_HEADER.exec(header.trim());
  if (match?.[1] === undefined) return false;
  return crypto.subtle.verify('HMAC', await hmacKey(secret), fromHex(match[1]), body);
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
}

/** Equal tokens, compared as digests: the loop visits every byte whatever differs. */
async function sameToken(expected: string, given: string | undefined): Promise<boolean> {
  if (given === undefined) return false;
  const [a, b] = await Promise.all([sha256(expected), sha256(given)]);
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return difference === 0;
}

/** Whether `headers` and `body` carry a valid signature (or token) for a hook of `source` with `secret`. */
export async function verifyDelivery(
  source: HookSource,
  secret: string,
  headers: Headers,
  body: Uint8Array<ArrayBuffer>,
): Promise<boolean> {
  switch (source) {
    case 'github':
      return verifyHmac(secret, headers.get('x-hub-signature-256'), body);
    case 'generic-hmac':
      return verifyHmac(secret, headers.get('x-signature'), body);
    case 'gitlab':
      return sameToken(secret, headers.get('x-gitlab-token') ?? undefined);
    case 'bearer':
      return sameToken(secret, BEARER.exec(headers.get('authorization') ?? '')?.[1]);
  }
}

/** A key no hook has, made on first use (workerd refuses randomness at module scope). */
let noHookSecret: string | undefined;

/**
 * Spends what verifying an HMAC hook would, then refuses: the answer for a path that has no hook, so its
 * refusal takes as long as a bad signature's.
 */
export async function verifyNoHook(body: Uint8Array<ArrayBuffer>): Promise<false> {
  noHookSecret ??= crypto.getRandomValues(new Uint8Array(32)).join('.');
  await verifyHmac(noHookSecret, `sha256=${'0'.repeat(64)}`, body);
  return false;
}
