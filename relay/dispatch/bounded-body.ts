// Reads an HTTP body as text, but never more than a bound: a huge answer is cut off while it streams, not after it is buffered.
import type { Dispatcher } from 'undici';

/** The body passed `maxBytes`; the stream was destroyed. */
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

export async function readBounded(response: Dispatcher.ResponseData, maxBytes: number): Promise<string> {
  const declared = Number(response.headers['content-length'] ?? NaN);
  if (declared > maxBytes) {
    response.body.destroy();
    throw new BodyTooLarge(maxBytes, declared);
  }
  const chunks: Buffer[] = [];
  let seen = 0;
  for await (const chunk of response.body) {
    const bytes = chunk as Buffer;
    seen += bytes.byteLength;
    if (seen > maxBytes) {
      response.body.destroy();
      throw new BodyTooLarge(maxBytes, seen);
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks, seen).toString('utf8');
}
