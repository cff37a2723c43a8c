// Deletes objects the relay wrote, each with a uid precondition so a re-created namesake is never touched: the prune of stale children and the roll-back of a failed apply's creates.
import { kindId } from '../../src/keys.ts';
import type { KubeRequester } from '../kube/client.ts';
import { KubeApiError } from '../kube/client.ts';
import type { ResourceInfo } from '../kube/discovery.ts';
import { objectPath } from '../kube/discovery.ts';
import type { KObject } from '../kube/object.ts';

/** How one deletion ended: deleted now, already absent (404, or a namesake with another uid: 409), or failed. */
export type Deletion =
  | { object: KObject; result: 'deleted' | 'absent' }
  | { object: KObject; result: 'failed'; error: unknown; resource?: ResourceInfo };

/** Deletes each object (background propagation, uid precondition), in parallel; never throws. */
export async function deleteExact(
  client: KubeRequester,
  resources: ReadonlyMap<string, ResourceInfo>,
  objects: readonly KObject[],
): Promise<Deletion[]> {
  return Promise.all(
    objects.map(async (object): Promise<Deletion> => {
      const resource = resources.get(kindId(object));
      if (!resource)
        return { object, result: 'failed', error: new Error(`no resource known for ${kindId(object)}`) };
      try {
        await client.request(
          'DELETE',
          objectPath(resource, object.metadata.namespace, object.metadata.name),
          {
            body: {
              apiVersion: 'v1',
              kind: 'DeleteOptions',
              propagationPolicy: 'Background',
              preconditions: { uid: object.metadata.uid },
            },
          },
        );
        return { object, result: 'deleted' };
      } catch (error) {
        if (error instanceof KubeApiError && (error.status === 404 || error.status === 409))
          return { object, result: 'absent' };
        return { object, result: 'failed', error, resource };
      }
    }),
  );
}
