// The hook protocol: the public hook route, and the JSON frames between the relay and its cluster's hook object.
//
// The relay's leader opens `GET /v1/hooks/connect` (a WebSocket, signed like every relay request); the
// worker hands it to the cluster's Durable Object, which holds the hooks and the accepted deliveries.
//   relay → object  `hooks`     the full set of hooks (replaces the previous one), on connect and on change
//   object → relay  `delivery`  each stored, unacknowledged delivery: all of them after the first `hooks` of
//                               a connection, then each new one as it is accepted
//   relay → object  `ack`       ids the relay has enqueued and dispatched; the object deletes them
//   relay → object  "ping"      answered "pong" by the runtime, without running the object's code
//   object → relay  `error`     a frame the object refused (what was wrong); nothing changed
import * as z from 'zod/mini';
import { DNS_LABEL } from '../keys.ts';
import { MAX_SUMMARY_BYTES } from './schemas.ts';

export const HOOK_ROUTES = {
  /** The relay's WebSocket to its cluster's hook object (signed, `Upgrade: websocket`). */
  connect: '/v1/hooks/connect',
  /** The cluster's hook object at a glance (signed GET): counts, never secrets or payloads. */
  status: '/v1/hooks/status',
  /** The public route a hook's sender posts to: `/hooks/<cluster>/<64 hex>`. */
  deliver: (cluster: string, digest: string): string => `/hooks/${cluster}/${digest}`,
} as const;

/** The text frames of the keep-alive; the runtime answers the first with the second. */
export const HOOK_PING = 'ping';
export const HOOK_PONG = 'pong';

/** A hook's body cap when it states none, and the most it may state (GitHub's own cap on a payload). */
export const DEFAULT_HOOK_BODY_BYTES = 1024 * 1024;
export const MAX_HOOK_BODY_BYTES = 25_000_000;
/** Deliveries per minute a hook accepts when it states no rate limit (also its burst). */
export const DEFAULT_HOOK_PER_MINUTE = 60;
export const MAX_HOOK_PER_MINUTE = 6000;
/** How long a delivery id is remembered against replays. */
export const HOOK_DEDUP_SECONDS = 24 * 60 * 60;
/** The longest filter expression, and the most fields a summary names. */
export const MAX_HOOK_FILTER_CHARS = 4096;
export const MAX_HOOK_SUMMARY_FIELDS = 32;

/** Cluster names: lowercase DNS names (as a signing key's cluster). */
export const CLUSTER_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
/** `/hooks/<cluster>/<hex sha256>`. */
export const HOOK_PATH = /^\/hooks\/([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?)\/([0-9a-f]{64})$/;
/** Delivery ids: GitHub's GUIDs, GitLab's UUIDs, or a sender's own id. */
export const DELIVERY_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export const HOOK_SOURCES = ['github', 'gitlab', 'generic-hmac', 'bearer'] as const;
export type HookSource = (typeof HOOK_SOURCES)[number];

const nonEmpty = z.string().check(z.minLength(1));
const dnsLabel = z.string().check(z.regex(DNS_LABEL, 'must be a lowercase DNS label'));
const int = (min: number, max: number) => z.int().check(z.gte(min), z.lte(max));

/** What a summary keeps of a payload: dotted paths into the JSON body, within `maxBytes` as JSON. */
export const HookSummary = z.object({
  maxBytes: int(2, MAX_SUMMARY_BYTES),
  fields: z.array(nonEmpty).check(z.minLength(1), z.maxLength(MAX_HOOK_SUMMARY_FIELDS)),
});
export type HookSummary = z.infer<typeof HookSummary>;

/** One hook as the relay hands it to the object: everything needed to verify and accept a delivery. */
export const HookConfig = z.object({
  path: z.string().check(z.regex(HOOK_PATH, 'must be /hooks/<cluster>/<64 lowercase hex>')),
  /** The hook's name on its Reconciler. */
  name: dnsLabel,
  /** The Reconciler's name and namespace. */
  reconciler: nonEmpty,
  namespace: nonEmpty,
  type: z.enum(HOOK_SOURCES),
  /** The verification secret (HMAC key, GitLab token or bearer token), from the Reconciler's Secret. */
  secret: nonEmpty,
  /** Accepted events (X-GitHub-Event / X-Gitlab-Event); empty: all. */
  events: z.array(nonEmpty),
  /** A CEL expression over `body` (parsed JSON) and `headers` (lowercase names) that must be true. */
  filter: z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_HOOK_FILTER_CHARS))),
  summary: z.optional(HookSummary),
  maxBodyBytes: int(1, MAX_HOOK_BODY_BYTES),
  rateLimit: z.object({ perMinute: int(1, MAX_HOOK_PER_MINUTE) }),
});
export type HookConfig = z.infer<typeof HookConfig>;

/** relay → object: the full set of the cluster's hooks. */
export const HooksMessage = z.object({ type: z.literal('hooks'), hooks: z.array(HookConfig) });
export type HooksMessage = z.infer<typeof HooksMessage>;

/** relay → object: deliveries the relay has enqueued and dispatched. */
export const AckMessage = z.object({
  type: z.literal('ack'),
  ids: z.array(z.string().check(z.regex(DELIVERY_ID))).check(z.maxLength(10_000)),
});
export type AckMessage = z.infer<typeof AckMessage>;

/** Every frame the relay sends (besides "ping"). */
export const RelayHookMessage = z.discriminatedUnion('type', [HooksMessage, AckMessage]);
export type RelayHookMessage = z.infer<typeof RelayHookMessage>;

/** object → relay: one accepted delivery, until acknowledged. */
export const DeliveryMessage = z.object({
  type: z.literal('delivery'),
  /** The delivery id (X-GitHub-Delivery, GitLab's or the sender's id, or one the object made). */
  id: z.string().check(z.regex(DELIVERY_ID)),
  /** The hook's path. */
  hook: nonEmpty,
  reconciler: nonEmpty,
  namespace: nonEmpty,
  /** The hook's name. */
  name: nonEmpty,
  source: z.enum(HOOK_SOURCES),
  /** The event header's value; "" when the source has none. */
  event: z.string(),
  /** Parsed JSON, at most MAX_SUMMARY_BYTES serialized; absent unless the hook asks for one. */
  summary: z.optional(z.unknown()),
  /** Unix milliseconds the object accepted it. */
  acceptedAt: z.number(),
});
export type DeliveryMessage = z.infer<typeof DeliveryMessage>;

/** object → relay: a frame it refused, and why; its state did not change. */
export const HookErrorMessage = z.object({ type: z.literal('error'), message: z.string() });
export type HookErrorMessage = z.infer<typeof HookErrorMessage>;

/** Every frame the object sends (besides "pong"). */
export const ObjectHookMessage = z.discriminatedUnion('type', [DeliveryMessage, HookErrorMessage]);
export type ObjectHookMessage = z.infer<typeof ObjectHookMessage>;

/** `GET /v1/hooks/status`: what the cluster's object holds. */
export const HookStatus = z.object({
  cluster: z.string(),
  hooks: z.number(),
  /** Accepted deliveries not yet acknowledged. */
  pending: z.number(),
  /** Delivery ids remembered against replays (the last 24 h). */
  remembered: z.number(),
  /** Open relay connections, and how many of them sent their hooks. */
  connections: z.number(),
  ready: z.number(),
  /** Frames the object's code has handled since it was created ("ping" never counts: the runtime answers it). */
  handledFrames: z.number(),
  /** When the runtime last answered a "ping" on any connection (unix ms), if ever. */
  lastPongAt: z.optional(z.number()),
});
export type HookStatus = z.infer<typeof HookStatus>;

/**
 * A hook's public path: `/hooks/<cluster>/<hex sha256(secret + name + reconciler + namespace)>`. Unguessable
 * without the secret, and it changes when the secret does.
 */
export async function hookPath(
  cluster: string,
  hook: { secret: string; name: string; reconciler: string; namespace: string },
): Promise<string> {
  const text = new TextEncoder().encode(hook.secret + hook.name + hook.reconciler + hook.namespace);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', text));
  return HOOK_ROUTES.deliver(cluster, Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join(''));
}
