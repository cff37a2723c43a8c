// Takes one posted delivery through the hook's checks, in order: body cap → hook → signature → replay → rate → event → filter → store.
//
// The order is the contract: nothing about a delivery is looked at before its signature verified (the
// cap only counts bytes), a replay costs no rate-limit token, and only a stored delivery is remembered.
// An unknown path and a bad signature get the same answer, after the same work.
import type { ErrorCode } from '../../src/protocol/errors.ts';
import {
  DEFAULT_HOOK_BODY_BYTES,
  DELIVERY_ID,
  type DeliveryMessage,
  type HookConfig,
} from '../../src/protocol/hooks.ts';
import { readCapped } from './body.ts';
import { runFilter } from './filter.ts';
import { takeToken } from './rate-limit.ts';
import type { HookStore } from './store.ts';
import { summarize } from './summary.ts';
import { verifyDelivery, verifyNoHook } from './verify.ts';

/** Unacknowledged deliveries a cluster may hold; beyond it new ones wait (429) until its relay collects. */
export const MAX_PENDING_DELIVERIES = 10_000;

export type Outcome =
  | { kind: 'refused'; code: ErrorCode; message: string; retryAfterSeconds?: number }
  /** Verified, but not for this hook's reconcilers (event or filter): answered 202, not stored. */
  | { kind: 'ignored'; delivery: string; reason: string }
  | { kind: 'accepted'; delivery: DeliveryMessage };

/** The one answer for an unknown path and a bad signature. */
export const NO_SUCH_HOOK = {
  kind: 'refused',
  code: 'unauthorized',
  message: 'hook refused: no hook at this path accepts this signature',
} as const satisfies Outcome;

/** The answer for a body over `cap` bytes. */
export function tooLarge(cap: number) {
  return {
    kind: 'refused',
    code: 'payload_too_large',
    message: `hook refused: the body is over ${String(cap)} bytes`,
  } as const satisfies Outcome;
}

/** Headers that carry a secret: never shown to a filter. */
const SECRET_HEADERS = new Set([
  'authorization',
  'x-gitlab-token',
  'x-hub-signature',
  'x-hub-signature-256',
  'x-signature',
]);

function refused(code: ErrorCode, message: string, retryAfterSeconds?: number): Outcome {
  return retryAfterSeconds === undefined
    ? { kind: 'refused', code, message }
    : { kind: 'refused', code, message, retryAfterSeconds };
}

/** The event header's value; "" for sources without one. */
function eventOf(hook: HookConfig, headers: Headers): string {
  if (hook.type === 'github') return headers.get('x-github-event') ?? '';
  if (hook.type === 'gitlab') return headers.get('x-gitlab-event') ?? '';
  return '';
}

/** The sender's delivery id (GitHub always sends one), or a fresh one when the source may send none. */
function deliveryIdOf(hook: HookConfig, headers: Headers): { id: string } | { problem: string } {
  const sent =
    hook.type === 'github'
      ? headers.get('x-github-delivery')
      : hook.type === 'gitlab'
        ? (headers.get('idempotency-key') ?? headers.get('x-gitlab-event-uuid'))
        : (headers.get('x-delivery-id') ?? headers.get('idempotency-key'));
  if (sent === null) {
    return hook.type === 'github'
      ? { problem: 'hook refused: a github delivery must carry X-GitHub-Delivery' }
      : { id: crypto.randomUUID() };
  }
  return DELIVERY_ID.test(sent)
    ? { id: sent }
    : { problem: `hook refused: a delivery id must match ${String(DELIVERY_ID)}` };
}

/** The payload as JSON (a form-encoded GitHub delivery carries it in `payload`); undefined if it is not JSON. */
function parseBody(bytes: Uint8Array, contentType: string | null): unknown {
  try {
    let text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    if (contentType?.startsWith('application/x-www-form-urlencoded'))
      text = new URLSearchParams(text).get('payload') ?? '';
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function filterHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (!SECRET_HEADERS.has(name)) out[name] = value;
  });
  return out;
}

export async function acceptDelivery(
  request: Request,
  path: string,
  store: HookStore,
  nowMs: number,
): Promise<Outcome> {
  const hook = store.hook(path);
  const cap = hook?.maxBodyBytes ?? DEFAULT_HOOK_BODY_BYTES;
  const body = await readCapped(request, cap);
  if (body === undefined) return tooLarge(cap);
  if (hook === undefined) {
    await verifyNoHook(body);
    return NO_SUCH_HOOK;
  }
  if (!(await verifyDelivery(hook.type, hook.secret, request.headers, body))) return NO_SUCH_HOOK;

  const sent = deliveryIdOf(hook, request.headers);
  if ('problem' in sent) return refused('bad_request', sent.problem);
  const { id } = sent;
  if (store.remembers(id, nowMs)) {
    return refused(
      'duplicate_delivery',
      `hook refused: delivery ${id} was already accepted (ids are kept 24 h)`,
    );
  }

  const take = takeToken(store.bucket(path), hook.rateLimit.perMinute, nowMs);
  store.saveBucket(path, take.bucket);
  if (!take.allowed) {
    return refused(
      'rate_limited',
      `hook refused: over its limit of ${String(hook.rateLimit.perMinute)} deliveries a minute`,
      take.retryAfterSeconds,
    );
  }

  const event = eventOf(hook, request.headers);
  if (hook.events.length > 0 && !hook.events.includes(event)) {
    return { kind: 'ignored', delivery: id, reason: `event "${event}" is not one this hook accepts` };
  }
  const payload =
    hook.filter !== undefined || hook.summary !== undefined
      ? parseBody(body, request.headers.get('content-type'))
      : undefined;
  if (hook.filter !== undefined) {
    if (payload === undefined)
      return { kind: 'ignored', delivery: id, reason: 'the body is not JSON; the filter needs JSON' };
    const filtered = runFilter(hook.filter, payload, filterHeaders(request.headers));
    if (!filtered.ok) return { kind: 'ignored', delivery: id, reason: filtered.message };
    if (!filtered.matched) return { kind: 'ignored', delivery: id, reason: 'the filter did not match' };
  }
  if (store.pendingCount >= MAX_PENDING_DELIVERIES) {
    return refused(
      'rate_limited',
      `hook refused: the cluster's relay has not collected its last ${String(MAX_PENDING_DELIVERIES)} deliveries`,
      60,
    );
  }

  const delivery: DeliveryMessage = {
    type: 'delivery',
    id,
    hook: hook.path,
    reconciler: hook.reconciler,
    namespace: hook.namespace,
    name: hook.name,
    source: hook.type,
    event,
    acceptedAt: nowMs,
  };
  if (hook.summary !== undefined && payload !== undefined)
    delivery.summary = summarize(payload, hook.summary);
  store.accept(delivery);
  return { kind: 'accepted', delivery };
}
