// A Reconciler's `spec.triggers.hooks`: outside events (signed webhooks) that wake chosen primaries. Keep in step with the CRD.
import * as z from 'zod/mini';
import {
  DEFAULT_HOOK_BODY_BYTES,
  DEFAULT_HOOK_PER_MINUTE,
  HOOK_SOURCES,
  HookSummary,
  MAX_HOOK_BODY_BYTES,
  MAX_HOOK_FILTER_CHARS,
  MAX_HOOK_PER_MINUTE,
} from '../../src/protocol/hooks.ts';
import { DnsLabel } from '../../src/protocol/schemas.ts';

const nonEmpty = z.string().check(z.minLength(1));

/** The most hooks one Reconciler declares. */
export const MAX_HOOKS = 32;

/** A label selector over the primaries (Kubernetes' LabelSelector). */
export const LabelSelector = z.object({
  matchLabels: z._default(z.record(z.string(), z.string()), {}),
  matchExpressions: z._default(
    z.array(
      z.object({
        key: nonEmpty,
        operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
        values: z._default(z.array(z.string()), []),
      }),
    ),
    [],
  ),
});
export type LabelSelector = z.infer<typeof LabelSelector>;

/**
 * Which primaries a delivery wakes: exactly one of `names` (`name`, in every watched namespace, or
 * `namespace/name`) and `selector`.
 */
export const HookWake = z
  .object({
    names: z.optional(z.array(nonEmpty).check(z.minLength(1), z.maxLength(1000))),
    selector: z.optional(LabelSelector),
  })
  .check(
    z.refine((w) => (w.names === undefined) !== (w.selector === undefined), {
      message: 'set exactly one of names and selector',
    }),
  );
export type HookWake = z.infer<typeof HookWake>;

export const HookSpec = z.object({
  /** Unique per Reconciler; part of the hook's path and of the trigger its reconciles get. */
  name: DnsLabel,
  type: z.enum(HOOK_SOURCES),
  /** The verification secret, in the namespace of the Reconciler's signing Secret. */
  secretRef: z.object({ name: DnsLabel, key: z._default(nonEmpty, 'token') }),
  /** Accepted events (the github/gitlab event header); empty accepts all. */
  events: z._default(z.array(nonEmpty), []),
  wake: HookWake,
  /** CEL over `body` (parsed JSON) and `headers`, evaluated by the worker when it accepts a delivery. */
  filter: z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_HOOK_FILTER_CHARS))),
  summary: z.optional(HookSummary),
  maxBodyBytes: z._default(
    z.int().check(z.minimum(1), z.maximum(MAX_HOOK_BODY_BYTES)),
    DEFAULT_HOOK_BODY_BYTES,
  ),
  rateLimit: z._default(
    z.object({ perMinute: z.int().check(z.minimum(1), z.maximum(MAX_HOOK_PER_MINUTE)) }),
    { perMinute: DEFAULT_HOOK_PER_MINUTE },
  ),
});
export type HookSpec = z.infer<typeof HookSpec>;

/** `spec.triggers`. */
export const Triggers = z.object({
  hooks: z._default(
    z.array(HookSpec).check(
      z.maxLength(MAX_HOOKS),
      z.refine((hooks) => new Set(hooks.map((h) => h.name)).size === hooks.length, {
        message: 'hook names must be unique',
      }),
    ),
    [],
  ),
});
export type Triggers = z.infer<typeof Triggers>;
