// The protocol's paths, headers and limits, shared by the relay (client) and the worker (server).

export const ROUTES = {
  health: '/healthz',
  list: '/v1/reconcilers',
  reconcile: (name: string): string => `/v1/reconcilers/${encodeURIComponent(name)}/reconcile`,
} as const;

export const HEADERS = {
  timestamp: 'x-zeroloop-timestamp',
  signature: 'x-zeroloop-signature',
  traceparent: 'traceparent',
} as const;

/** Largest request body the worker accepts, in bytes. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;
