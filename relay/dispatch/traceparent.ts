// W3C traceparent headers with fresh random ids, drawn from a pooled random buffer (one entropy call per 170 reconciles, not two per reconcile).
import { randomFillSync } from 'node:crypto';

/** Bytes one traceparent takes: a 16-byte trace id and an 8-byte parent id. */
const ID_BYTES = 24;
const pool = Buffer.alloc(ID_BYTES * 170);
let offset = pool.length;

/** A W3C traceparent (`00-<trace id>-<parent id>-01`, sampled) with fresh random ids. */
export function newTraceparent(): string {
  if (offset + ID_BYTES > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const trace = pool.toString('hex', offset, offset + 16);
  const parent = pool.toString('hex', offset + 16, offset + ID_BYTES);
  offset += ID_BYTES;
  // All-zero ids are invalid; with 2^-64 odds, a constant stands in rather than a second draw.
  return `00-${trace === ZERO_TRACE ? '1'.padStart(32, '0') : trace}-${parent === ZERO_PARENT ? '1'.padStart(16, '0') : parent}-01`;
}

const ZERO_TRACE = '0'.repeat(32);
const ZERO_PARENT = '0'.repeat(16);
