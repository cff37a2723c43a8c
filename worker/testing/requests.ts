// Builds protocol requests for worker tests and the benchmark: sample objects, and signed fetch inits.
import { HEADERS, ROUTES } from '../../src/protocol/routes.ts';
import { PROTOCOL_VERSION } from '../../src/protocol/version.ts';
import { signHeaders } from '../../src/signing.ts';
import type { KubeObject, ReconcileRequest } from '../../src/protocol/schemas.ts';

export const TEST_SECRET = 'zeroloop-test-secret';

export interface SampleOptions {
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  spec?: Record<string, unknown>;
  owned?: KubeObject[];
  related?: KubeObject[];
}

/** A reconcile request with the given primary spec and objects. */
export function sampleRequest(options: SampleOptions = {}): ReconcileRequest {
  return {
    primary: {
      apiVersion: options.apiVersion ?? 'test.zeroloop.dev/v1',
      kind: options.kind ?? 'Faulty',
      metadata: { name: options.name ?? 'sample', namespace: options.namespace ?? 'default', uid: 'u-1' },
      spec: options.spec ?? { mode: 'ok' },
    },
    owned: options.owned ?? [],
    related: options.related ?? [],
    trigger: { type: 'primary' },
    finalizing: false,
  };
}

/**
 * A request body whose deepest value sits `depth` levels down (the request, `primary` and `spec` are
 * the first three), under `primary.spec.deep.a.a…`. Built as text: JSON.stringify overflows Node's stack
 * on very deep values.
 */
export function nestedBody(depth: number, spec: Record<string, unknown> = { mode: 'ok' }): string {
  const levels = depth - 3;
  const deep = '{"a":'.repeat(levels - 1) + '{}' + '}'.repeat(levels - 1);
  return JSON.stringify(sampleRequest({ spec: { ...spec, deep: 0 } })).replace('"deep":0', `"deep":${deep}`);
}

/** `count` ConfigMaps of about `bytes` each, named `<prefix>-<i>`. */
export function configMaps(prefix: string, count: number, namespace = 'default', bytes = 200): KubeObject[] {
  return Array.from({ length: count }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${prefix}-${i}`, namespace, labels: { app: prefix } },
    data: { value: 'x'.repeat(bytes) },
  }));
}

export interface SignOptionsForTest {
  secret?: string;
  /** Defaults to `default`, the key id of SIGNING_SECRET. */
  keyId?: string;
  nowSeconds?: number;
  /** Extra headers, over the signed ones and the protocol version (`x-zeroloop-protocol`, PROTOCOL_VERSION). */
  headers?: Record<string, string>;
}

/** The protocol version header the relay sends with every request. */
export const PROTOCOL_HEADERS: Readonly<Record<string, string>> = {
  [HEADERS.protocol]: String(PROTOCOL_VERSION),
};

/** A signed POST of `body` (an object is JSON-encoded) to `path`, as the relay sends it. */
export async function signedPost(
  path: string,
  body: unknown,
  options: SignOptionsForTest = {},
): Promise<{ method: 'POST'; body: string; headers: Record<string, string> }> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const signed = await signHeaders({
    secret: options.secret ?? TEST_SECRET,
    method: 'POST',
    path,
    body: text,
    ...(options.keyId !== undefined && { keyId: options.keyId }),
    ...(options.nowSeconds !== undefined && { nowSeconds: options.nowSeconds }),
  });
  return {
    method: 'POST',
    body: text,
    headers: { 'content-type': 'application/json', ...PROTOCOL_HEADERS, ...signed, ...options.headers },
  };
}

/** A signed GET of `path` (the signature covers the empty body); defaults to the reconciler list. */
export async function signedGet(
  options: SignOptionsForTest & { path?: string } = {},
): Promise<RequestInit & { headers: Record<string, string> }> {
  const signed = await signHeaders({
    secret: options.secret ?? TEST_SECRET,
    method: 'GET',
    path: options.path ?? ROUTES.list,
    body: '',
    ...(options.keyId !== undefined && { keyId: options.keyId }),
    ...(options.nowSeconds !== undefined && { nowSeconds: options.nowSeconds }),
  });
  return { method: 'GET', headers: { ...PROTOCOL_HEADERS, ...signed, ...options.headers } };
}
