// The demo's hook: declared on the website Reconciler (every Website wakes), its Secret, and its URL once the relay wrote the path.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Manifests } from './kube.ts';

/** The demo hook's name and the Secret holding its token (in the demo namespace). */
export const DEMO_HOOK = 'demo';
export const DEMO_HOOK_SECRET = 'demo-hook';

/** `spec.triggers` for a demo Reconciler of Websites: a GitHub-style hook that wakes every Website. */
export function demoTriggers(): Record<string, unknown> {
  return {
    hooks: [
      {
        name: DEMO_HOOK,
        type: 'github',
        secretRef: { name: DEMO_HOOK_SECRET },
        wake: { selector: {} },
        summary: { maxBytes: 512, fields: ['ref', 'after'] },
      },
    ],
  };
}

/** Creates the hook's Secret with a fresh token, unless it exists (a rerun keeps the URL). */
export async function applyDemoHookSecret(manifests: Manifests, namespace: string): Promise<void> {
  if (await manifests.get('v1', 'Secret', namespace, DEMO_HOOK_SECRET)) return;
  await manifests.apply({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: DEMO_HOOK_SECRET, namespace },
    stringData: { token: randomBytes(16).toString('hex') },
  });
}

/** A hook ready to try: the Reconciler, the hook and its URL. */
export interface DemoHook {
  reconciler: string;
  hook: string;
  url: string;
}

/** The URL of `hook` on `reconciler` once the relay has written its path (waits up to `timeoutMs`), else undefined. */
export async function demoHookUrl(
  manifests: Manifests,
  reconciler: string,
  workerUrl: string,
  timeoutMs = 5000,
): Promise<DemoHook | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const obj = await manifests.get('zeroloop.dev/v1alpha1', 'Reconciler', undefined, reconciler);
    const hooks = (obj?.status as { hooks?: { name: string; path?: string }[] } | undefined)?.hooks;
    const path = hooks?.find((h) => h.name === DEMO_HOOK)?.path;
    if (path !== undefined) return { reconciler, hook: DEMO_HOOK, url: workerUrl.replace(/\/$/, '') + path };
    if (Date.now() > deadline) return undefined;
    await sleep(100);
  }
}
