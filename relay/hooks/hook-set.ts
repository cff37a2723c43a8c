// The hooks of every Reconciler, grouped by the worker connection that carries them, with their secrets read from the cached Secrets; and the hooks message for one cluster.
import * as z from 'zod/mini';
import { hookPath, type HookConfig, type HooksMessage } from '../../src/protocol/hooks.ts';
import type { HookSpec } from '../api/hooks.ts';
import type { ReconcilerSpec } from '../api/reconciler.ts';
import type { KObject } from '../kube/object.ts';
import type { HookTarget } from './signed.ts';

/** A Reconciler as the hooks read it. */
export interface HookedReconciler {
  name: string;
  spec: ReconcilerSpec;
}

/** One hook ready to be handed to the worker, once its cluster is known. */
export interface ReadyHook {
  reconciler: string;
  /** The namespace of its Secret (the Reconciler's signing Secret's). */
  namespace: string;
  spec: HookSpec;
  secret: string;
}

/** The hooks one connection carries: every Reconciler with hooks whose endpoint and signing key are these. */
export interface TargetHooks {
  /** Identifies endpoint and key (held in memory only, never logged). */
  id: string;
  target: HookTarget;
  hooks: ReadyHook[];
}

/** A hook that cannot be handed out, and why (status.hooks[].message). */
export interface HookProblem {
  reconciler: string;
  hook: string;
  message: string;
}

export interface HookSet {
  targets: Map<string, TargetHooks>;
  problems: HookProblem[];
}

const SecretData = z.looseObject({ data: z.optional(z.record(z.string(), z.string())) });

/** `Secret(namespace, name)` from the cache, or undefined. */
export type SecretLookup = (namespace: string, name: string) => KObject | undefined;

/** The signing key a Reconciler's controller read (config/signing-secret.ts), or undefined while it has none. */
export type SigningLookup = (reconciler: string) => { key: string; keyId?: string | undefined } | undefined;

/**
 * Groups the hooks of `reconcilers` by endpoint and signing key; a hook whose Secret is missing or
 * empty, or whose Reconciler has no running controller (no signing key read), is a problem, not an error.
 */
export function buildHookSet(
  reconcilers: readonly HookedReconciler[],
  secretOf: SecretLookup,
  signingOf: SigningLookup,
): HookSet {
  const targets = new Map<string, TargetHooks>();
  const problems: HookProblem[] = [];
  for (const { name, spec } of [...reconcilers].sort((a, b) => a.name.localeCompare(b.name))) {
    const hooks = spec.triggers.hooks;
    if (hooks.length === 0) continue;
    const ref = spec.signingSecretRef;
    const signing = signingOf(name);
    if (!signing) {
      const message = `no signing key to connect with yet: the Reconciler is not running (see its Ready condition)`;
      for (const hook of hooks) problems.push({ reconciler: name, hook: hook.name, message });
      continue;
    }
    const id = JSON.stringify([spec.endpoint, signing.keyId ?? '', signing.key]);
    let group = targets.get(id);
    if (!group) {
      const target = { endpoint: spec.endpoint, signingKey: signing.key, keyId: signing.keyId };
      targets.set(id, (group = { id, target, hooks: [] }));
    }
    for (const hook of hooks) {
      const secret = readHookSecret(secretOf, ref.namespace, hook);
      if (typeof secret === 'string')
        group.hooks.push({ reconciler: name, namespace: ref.namespace, spec: hook, secret });
      else problems.push({ reconciler: name, hook: hook.name, message: secret.problem });
    }
  }
  return { targets, problems };
}

function readHookSecret(
  secretOf: SecretLookup,
  namespace: string,
  hook: HookSpec,
): string | { problem: string } {
  const { name, key } = hook.secretRef;
  const what = `Secret ${namespace}/${name}`;
  const raw = secretOf(namespace, name);
  if (!raw) return { problem: `${what} not found: create it, with the hook's secret under "${key}"` };
  const value = SecretData.safeParse(raw).data?.data?.[key];
  if (value === undefined) return { problem: `${what} has no key "${key}"` };
  const secret = Buffer.from(value, 'base64').toString('utf8');
  if (secret.length === 0) return { problem: `${what} key "${key}" is empty` };
  return secret;
}

/** `reconciler/hook`: a hook's key among all of a relay's. */
export function hookKey(reconciler: string, hook: string): string {
  return `${reconciler}/${hook}`;
}

/** The hooks message for `cluster`, and each hook's path by `hookKey`. */
export async function hooksMessage(
  cluster: string,
  hooks: readonly ReadyHook[],
): Promise<{ message: HooksMessage; paths: Map<string, string> }> {
  const paths = new Map<string, string>();
  const configs: HookConfig[] = [];
  for (const hook of hooks) {
    const { spec } = hook;
    const path = await hookPath(cluster, {
      secret: hook.secret,
      name: spec.name,
      reconciler: hook.reconciler,
      namespace: hook.namespace,
    });
    paths.set(hookKey(hook.reconciler, spec.name), path);
    configs.push({
      path,
      name: spec.name,
      reconciler: hook.reconciler,
      namespace: hook.namespace,
      type: spec.type,
      secret: hook.secret,
      events: spec.events,
      ...(spec.filter !== undefined && { filter: spec.filter }),
      ...(spec.summary !== undefined && { summary: spec.summary }),
      maxBodyBytes: spec.maxBodyBytes,
      rateLimit: spec.rateLimit,
    });
  }
  return { message: { type: 'hooks', hooks: configs }, paths };
}
