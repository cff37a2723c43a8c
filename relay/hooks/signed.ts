// The headers that sign one of the relay's hook requests to the worker (a GET with an empty body), as every relay request is signed.
import { HEADERS } from '../../src/protocol/routes.ts';
import { PROTOCOL_VERSION } from '../../src/protocol/version.ts';
import { DEFAULT_KEY_ID, signHeaders } from '../../src/signing.ts';

/** Where the relay's hooks go: the worker's base URL and the key the Reconciler signs with. */
export interface HookTarget {
  endpoint: string;
  signingKey: string;
  /** Which of the worker's keys it is; `default` when the signing Secret names none. */
  keyId?: string | undefined;
}

/** `endpoint` + `path`, keeping the endpoint's own path prefix. */
export function targetUrl(endpoint: string, path: string): URL {
  return new URL(endpoint.replace(/\/$/, '') + path);
}

/** Signature and protocol headers for `GET url` at `nowMs`. */
export async function signedGetHeaders(
  target: HookTarget,
  url: URL,
  nowMs: number,
): Promise<Record<string, string>> {
  return {
    [HEADERS.protocol]: String(PROTOCOL_VERSION),
    ...(await signHeaders({
      secret: target.signingKey,
      keyId: target.keyId ?? DEFAULT_KEY_ID,
      method: 'GET',
      path: url.pathname,
      body: '',
      nowSeconds: Math.floor(nowMs / 1000),
    })),
  };
}
