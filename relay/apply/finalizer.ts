// Adds or removes a reconciler's finalizer on a primary with server-side apply under its own field manager.
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
