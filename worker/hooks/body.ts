// Reads a hook delivery's raw body under a byte cap, stopping as soon as the cap is passed (the bytes are what senders sign).
import { readStreamCapped } from '../capped-stream.ts';

/** The body's bytes, or `undefined` when it is over `maxBytes` (declared or counted); the stream is then cancelled. */
export async function readCapped(
  request: Request,
  maxBytes: number,
): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const declared = request.headers.get('content-length');
  if (declared !== null && (!/^\d{1,15}$/.test(declared) || Number(declared) > maxBytes)) {
    await request.body?.cancel();
    return undefined;
  }
  return readStreamCapped(request.body, maxBytes);
}
