// Fresh random hex for per-request ids (traceparent ids, signing nonces), drawn from a pooled buffer: one entropy call per 4 KiB, not one per id.
import { randomFillSync } from 'node:crypto';

const pool = Buffer.alloc(4096);
let offset = pool.length;

/** `bytes` fresh random bytes (at most 4096) from Node's CSPRNG, as lowercase hex. */
export function randomHex(bytes: number): string {
  if (offset + bytes > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return hex;
}
