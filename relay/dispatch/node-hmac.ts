// HMAC-SHA256 with Node's crypto, synchronous: the relay signs every worker request with it instead of WebCrypto's.
import { createHmac } from 'node:crypto';
import type { Hmac } from '../../src/signing.ts';

/** The hex HMAC-SHA256 of `text` under `secret` (src/signing.ts' Hmac). */
export const nodeHmac: Hmac = (secret, text) => createHmac('sha256', secret).update(text).digest('hex');
