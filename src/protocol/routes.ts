// The protocol's paths, headers and limits, shared by the relay (client) and the worker (server).
import { PROTOCOL_HEADER } from './version.ts';

export const ROUTES = {
  health: '/healthz',
  list: '/v1/reconcilers',
  reconcile: (name: string): string => `/v1/reconcilers/${encodeURIComponent(name)}/reconcile`,
} as const;

export const HEADERS = {
  /** Which of the worker's signing keys signed the request (src/signing.ts). */
  keyId: 'x-zeroloop-key-id',
  timestamp: 'x-zeroloop-timestamp',
  /** Fresh per request: the worker refuses a signature it has seen. */
  nonce: 'x-zeroloop-nonce',
  signature: 'x-zeroloop-signature',
  traceparent: 'traceparent',
  /** The sender's protocol version, on every request and every answer (version.ts). */
  protocol: PROTOCOL_HEADER,
} as const;

/** Largest request body the worker accepts, in bytes. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * Deepest nesting of objects and arrays the worker accepts in a request body (`{}` is depth 1). Real
 * Kubernetes objects stay far below it (a Deployment's deepest field sits at about 10, 12 inside a
 * request); deeper JSON overflows a stack on its way into a component.
 */
export const MAX_JSON_DEPTH = 100;
