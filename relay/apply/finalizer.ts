// Adds a reconciler's finalizer to a primary with server-side apply under its own field manager; removes its finalizers with a tested JSON patch.
import { KubeApiError, type KubeRequester } from '../kube/client.ts';
import type { ResourceInfo } from '../kube/discovery.ts';
import { objectPath } from '../kube/discovery.ts';
import type { KObject } from '../kube/object.ts';
import { APPLY, ApplyFailed, applyTarget, refused } from './patch.ts';
import { errorMessage } from '../../src/error-message.ts';

/**
 * Adds or removes the relay's finalizer on a primary with server-side apply under its own field
 * manager (`zeroloop/<reconciler>-finalizer`): `metadata.finalizers` is a set, so other owners'
 * finalizers are untouched, and applying an empty list drops only ours.
 */
export async function setFinalizer(
  client: KubeRequester,
  input: {
    key: string;
    reconciler: string;
    primary: KObject;
    primaryResource: ResourceInfo;
    finalizer: string;
    present: boolean;
  },
): Promise<void> {
  const p = input.primary;
  const target = applyTarget(p);
  try {
    await client.request('PATCH', objectPath(input.primaryResource, p.metadata.namespace, p.metadata.name), {
      query: { fieldManager: `zeroloop/${input.reconciler}-finalizer`, force: true },
      body: {
        ...target,
        metadata: {
          ...target.metadata,
          ...(p.metadata.uid ? { uid: p.metadata.uid } : {}),
          finalizers: input.present ? [input.finalizer] : [],
        },
      },
      contentType: APPLY,
    });
  } catch (error) {
    // Already gone: nothing holds it any more.
    if (!input.present && error instanceof KubeApiError && error.status === 404) return;
    const cause = refused(error, 'patch', input.primaryResource, p.metadata.namespace);
    throw new ApplyFailed(input.key, 'finalizer', errorMessage(cause), cause);
  }
}

export const JSON_PATCH = 'application/json-patch+json';

/**
 * Removes `finalizers` from the primary with a JSON patch that tests each entry at the index the
 * cached primary holds it, so entries another field manager added go too, and a list changed since
 * (the test fails, 422) is retried. A primary already gone counts as done.
 */
export async function removeFinalizers(
  client: KubeRequester,
  input: {
    key: string;
    primary: KObject;
    primaryResource: ResourceInfo;
    finalizers: readonly string[];
  },
): Promise<void> {
  const p = input.primary;
  const held = p.metadata.finalizers ?? [];
  const ops = held
    .map((value, index) => ({ value, index }))
    .filter((f) => input.finalizers.includes(f.value))
    .reverse()
    .flatMap(({ value, index }) => [
      { op: 'test', path: `/metadata/finalizers/${String(index)}`, value },
      { op: 'remove', path: `/metadata/finalizers/${String(index)}` },
    ]);
  if (ops.length === 0) return;
  try {
    await client.request('PATCH', objectPath(input.primaryResource, p.metadata.namespace, p.metadata.name), {
      body: ops,
      contentType: JSON_PATCH,
    });
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return;
    const cause = refused(error, 'patch', input.primaryResource, p.metadata.namespace);
    throw new ApplyFailed(input.key, 'finalizer', errorMessage(cause), cause);
  }
}
