// W3C traceparent headers with fresh random ids, from the pooled random source (random-hex.ts).
import { randomHex } from './random-hex.ts';

/** All-zero ids are invalid; with 2^-64 odds, these stand in for them rather than a second draw. */
const ZERO_TRACE = '0'.repeat(32);
const ZERO_PARENT = '0'.repeat(16);
const ONE_TRACE = '1'.padStart(32, '0');
const ONE_PARENT = '1'.padStart(16, '0');

/** A W3C traceparent (`00-<trace id>-<parent id>-01`, sampled) with fresh random ids. */
export function newTraceparent(): string {
  const trace = randomHex(16);
  const parent = randomHex(8);
  return `00-${trace === ZERO_TRACE ? ONE_TRACE : trace}-${parent === ZERO_PARENT ? ONE_PARENT : parent}-01`;
}
