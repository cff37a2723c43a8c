// The worker's signing keys, read from its secrets: SIGNING_KEYS (several keys, each with an id and a cluster) and the older single SIGNING_SECRET (key id `default`).
import * as z from 'zod/mini';
import { DEFAULT_KEY_ID, KEY_ID_PATTERN } from '../../src/signing.ts';
import { WorkerError } from '../errors/worker-error.ts';
import { summarizeIssues } from '../validation/issues.ts';

/** One key: its HMAC secret and the cluster whose relay holds it. */
export interface SigningKey {
  secret: string;
  /** Derived from the key, never taken from a header: a key signs for its own cluster only. */
  cluster: string;
}

/** Key id → key. */
export type KeyRing = ReadonlyMap<string, SigningKey>;

/** The secrets the ring is read from; either may be unset. */
export interface KeyBindings {
  SIGNING_KEYS?: string | undefined;
  SIGNING_SECRET?: string | undefined;
}

/** The cluster a bare SIGNING_SECRET signs for. */
export const DEFAULT_CLUSTER = 'default';

const SigningKeysJson = z.record(
  z.string().check(z.regex(KEY_ID_PATTERN, `key ids must match ${String(KEY_ID_PATTERN)}`)),
  z.strictObject({
    secret: z.string().check(z.minLength(1, 'secret must not be empty')),
    cluster: z
      .string()
      .check(z.regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'cluster must be a lowercase DNS name')),
  }),
);

const SHAPE = '{"<key id>": {"secret": "…", "cluster": "<name>"}}';

function invalid(why: string): WorkerError {
  return new WorkerError('internal', `SIGNING_KEYS ${why}: set it to JSON ${SHAPE}`);
}

/**
 * Reads the ring. A SIGNING_KEYS entry with id `default` takes precedence over SIGNING_SECRET. Errors never
 * quote the secrets' text (JSON.parse's own message can, so it is not passed on).
 */
export function readKeyRing(bindings: KeyBindings): KeyRing {
  const ring = new Map<string, SigningKey>();
  if (bindings.SIGNING_SECRET) {
    ring.set(DEFAULT_KEY_ID, { secret: bindings.SIGNING_SECRET, cluster: DEFAULT_CLUSTER });
  }
  if (bindings.SIGNING_KEYS) {
    let json: unknown;
    try {
      json = JSON.parse(bindings.SIGNING_KEYS);
    } catch {
      throw invalid('is not JSON');
    }
    const parsed = SigningKeysJson.safeParse(json);
    if (!parsed.success) throw invalid(`is not valid (${summarizeIssues(parsed.error)})`);
    for (const [id, key] of Object.entries(parsed.data)) ring.set(id, key);
  }
  if (ring.size === 0) {
    throw new WorkerError(
      'internal',
      `the worker has no signing key: set SIGNING_KEYS to ${SHAPE} or SIGNING_SECRET to one shared secret, with \`wrangler secret put SIGNING_KEYS\` or \`wrangler secret put SIGNING_SECRET\` (or in .dev.vars locally)`,
    );
  }
  return ring;
}

/** readKeyRing, parsed again only when the secrets' text changes (a new deployment or version). */
export function cachedKeyRing(): (bindings: KeyBindings) => KeyRing {
  let last: { keys: string | undefined; secret: string | undefined; ring: KeyRing } | undefined;
  return (bindings) => {
    if (last !== undefined && last.keys === bindings.SIGNING_KEYS && last.secret === bindings.SIGNING_SECRET)
      return last.ring;
    const ring = readKeyRing(bindings);
    last = { keys: bindings.SIGNING_KEYS, secret: bindings.SIGNING_SECRET, ring };
    return ring;
  };
}
