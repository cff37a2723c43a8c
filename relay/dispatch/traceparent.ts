// W3C traceparent headers with fresh random ids, drawn from a pooled random buffer (one entropy call per 170 reconciles, not two per reconcile).
import { randomFillSync } from 'node:crypto';

/** Bytes one traceparent takes: a 16-byte trace id and an 8-byte parent id. */
const ID_BYTES = 24;
const pool = Buffer.alloc(ID_BYTES * 170);
let offset = pool.length;
/** All-zero ids are invalid; with 2^-64 odds, these stand in for them rather than a second draw. */
const ZERO_TRACE = '0'.repeat(32);
const ZERO_PARENT = '0'.repeat(16);
const ONE_TRACE = '1'.padStart(32, '0');
const ONE_PARENT = '1'.padStart(16, '0');

/** A W3C traceparent (`00-<trace id>-<parent id>-01`, sampled) with fresh random ids. */
export function newTraceparent(): string {
  if (offset + ID_BYTES > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const trace = pool.toString('hex', offset, offset + 16);
  const parent = pool.toString('hex', offset + 16, offset + ID_BYTES);
  offset += ID_BYTES;
  return `00-${trace === ZERO_TRACE ? ONE_TRACE : trace}-${parent === ZERO_PARENT ? ONE_PARENT : parent}-01`;
}
