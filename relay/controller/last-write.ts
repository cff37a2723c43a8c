// The outcome of the relay's last write of an answer, per primary: sent with the next request, so a reconciler can set its own conditions when its answer did not apply.
//
// Memory only: a relay that starts (or a follower that becomes leader) knows nothing and sends
// `unknown`. Only a write of an answer counts: a failed worker call, an answer over the limits or
// a finalizer write leave the last outcome as it was. The apiserver's message is cut to
// MAX_WRITE_MESSAGE_BYTES of UTF-8, ending in "…".
import { type LastWrite, MAX_WRITE_MESSAGE_BYTES } from '../../src/protocol/schemas.ts';
import { ApplyFailed } from '../apply/patch.ts';
import type { SyncOutcome } from './sync.ts';

export const UNKNOWN: LastWrite = { state: 'unknown' };
export const APPLIED: LastWrite = { state: 'applied' };

export class LastWrites {
  #byKey = new Map<string, LastWrite>();

  of(key: string): LastWrite {
    return this.#byKey.get(key) ?? UNKNOWN;
  }

  /** Records what `outcome` wrote of its answer: applied in full, failed at a step, or nothing (kept). */
  record(key: string, outcome: SyncOutcome): void {
    const written = lastWriteOf(outcome);
    if (written) this.#byKey.set(key, written);
  }

  forget(key: string): void {
    this.#byKey.delete(key);
  }
}

/** The last write an outcome stands for; undefined when it wrote no answer. */
export function lastWriteOf(outcome: SyncOutcome): LastWrite | undefined {
  if (outcome.type === 'failed' && outcome.error instanceof ApplyFailed) {
    const { step, detail } = outcome.error;
    if (step !== 'finalizer') return { state: 'failed', step, message: cut(detail, MAX_WRITE_MESSAGE_BYTES) };
  }
  return outcome.trace.answered ? APPLIED : undefined;
}

/** `text` in at most `maxBytes` of UTF-8, ending in "…" when cut (never inside a character). */
export function cut(text: string, maxBytes: number): string {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length <= maxBytes) return text;
  const ellipsis = '…';
  let end = maxBytes - new TextEncoder().encode(ellipsis).length;
  // Back up to a character boundary: continuation bytes are 10xxxxxx.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return new TextDecoder().decode(bytes.subarray(0, end)) + ellipsis;
}
