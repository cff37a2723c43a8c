// Reads an HTTP body as text, but never more than a bound: a huge answer is cut off while it streams, not after it is buffered.
import type { Response } from 'undici';

/** The body passed `maxBytes`; the stream was cancelled. */
export class BodyTooLarge extends Error {
  override readonly name = 'BodyTooLarge';
  readonly maxBytes: number;
  /** Bytes seen before the read stopped (or the declared Content-Length). */
  readonly seenBytes: number;
  constructor(maxBytes: number, seenBytes: number) {
    super(`body over ${maxBytes} bytes (at least ${seenBytes})`);
    this.maxBytes = maxBytes;
    this.seenBytes = seenBytes;
  }
}

export async function readBounded(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new BodyTooLarge(maxBytes, declared);
  }
  if (!response.body) return '';
  const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let seen = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    seen += value.byteLength;
    if (seen > maxBytes) {
      await reader.cancel();
      throw new BodyTooLarge(maxBytes, seen);
    }
    text += decoder.decode(value, { stream: true });
  }
}
