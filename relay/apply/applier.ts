// Applies a checked response: server-side apply of each desired object, prune, status subresource, Events.
//
// Order and guarantees:
// 1. every desired object is first applied with dryRun=All; if any fails, nothing is written
//    (a bad object never leaves a half-applied response);
// 2. then each is applied for real (field manager `zeroloop/<reconciler>`, force);
// 3. owned objects the relay stamped for this primary that are no longer desired are deleted
//    (with a uid precondition, so a re-created namesake is never touched);
// 4. `status`, when given and different from the cached one, is applied to the status subresource.
// A write that changes nothing does not change the resourceVersion, so it produces no watch
// event and no further reconcile.
import { isDeepStrictEqual } from 'node:util';
import { kindId } from '../../src/keys.ts';
import type { JsonObject } from '../../src/protocol/schemas.ts';
import type { KubeClient } from '../kube/client.ts';
import { KubeApiError } from '../kube/client.ts';
import type { ResourceInfo } from '../kube/discovery.ts';
import { objectPath } from '../kube/discovery.ts';
import type { KObject } from '../kube/object.ts';
import { identity, isStampedBy } from './ownership.ts';

/** A write to the apiserver failed; nothing after the failing step ran. */
export class ApplyFailed extends Error {
  override readonly name = 'ApplyFailed';
  readonly key: string;
  readonly step: 'dry-run' | 'apply' | 'prune' | 'status' | 'finalizer';
  constructor(key: string, step: ApplyFailed['step'], message: string, cause?: unknown) {
    super(
      `${step} failed for ${key}: ${message}; check the reconciler's output and the relay's RBAC; retrying`,
      {
        cause,
      },
    );
    this.key = key;
    this.step = step;
  }
}

export interface ApplyInput {
  key: string;
  reconciler: string;
  primary: KObject;
  primaryResource: ResourceInfo;
  /** Stamped, scope-checked objects. */
  desired: KObject[];
  /** What the cache holds as owned by this primary now (prune candidates). */
  owned: KObject[];
  /** Resources of the owned kinds, by kindId. */
  resources: ReadonlyMap<string, ResourceInfo>;
  status: JsonObject | null;
}

export interface ApplyResult {
  applied: number;
  pruned: number;
  statusWritten: boolean;
}

const APPLY = 'application/apply-patch+yaml';

export class Applier {
  #client: KubeClient;

  constructor(options: { client: KubeClient }) {
    this.#client = options.client;
  }

  async apply(input: ApplyInput): Promise<ApplyResult> {
    const fieldManager = `zeroloop/${input.reconciler}`;
    const put = (obj: KObject, dryRun: boolean) => {
      const r = input.resources.get(kindId(obj));
      if (!r) throw new Error(`no resource known for ${kindId(obj)}`);
      return this.#client.request('PATCH', objectPath(r, obj.metadata.namespace, obj.metadata.name), {
        query: { fieldManager, force: true, ...(dryRun ? { dryRun: 'All' } : {}) },
        body: obj,
        contentType: APPLY,
      });
    };

    for (const step of ['dry-run', 'apply'] as const) {
      const results = await Promise.allSettled(
        input.desired.map(async (o) => {
          try {
            await put(o, step === 'dry-run');
          } catch (error) {
            throw new Error(`${identity(o)}: ${describe(error)}`, { cause: error });
          }
        }),
      );
      const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
      if (failures.length > 0) {
        throw new ApplyFailed(input.key, step, failures.map((e) => e.message).join('; '), failures[0]?.cause);
      }
    }

    const wanted = new Set(input.desired.map(identity));
    const uid = input.primary.metadata.uid ?? '';
    const stale = input.owned.filter((o) => isStampedBy(o, uid) && !wanted.has(identity(o)));
    for (const obj of stale) {
      const r = input.resources.get(kindId(obj));
      if (!r) continue;
      try {
        await this.#client.request('DELETE', objectPath(r, obj.metadata.namespace, obj.metadata.name), {
          body: {
            apiVersion: 'v1',
            kind: 'DeleteOptions',
            propagationPolicy: 'Background',
            preconditions: { uid: obj.metadata.uid },
          },
        });
      } catch (error) {
        if (error instanceof KubeApiError && (error.status === 404 || error.status === 409)) continue;
        throw new ApplyFailed(input.key, 'prune', `${identity(obj)}: ${describe(error)}`, error);
      }
    }

    let statusWritten = false;
    if (input.status !== null && !isDeepStrictEqual(input.primary.status, input.status)) {
      const p = input.primary;
      try {
        await this.#client.request(
          'PATCH',
          objectPath(input.primaryResource, p.metadata.namespace, p.metadata.name, 'status'),
          {
            query: { fieldManager, force: true },
            body: {
              apiVersion: p.apiVersion,
              kind: p.kind,
              metadata: {
                name: p.metadata.name,
                ...(p.metadata.namespace ? { namespace: p.metadata.namespace } : {}),
              },
              status: input.status,
            },
            contentType: APPLY,
          },
        );
        statusWritten = true;
      } catch (error) {
        const hint =
          error instanceof KubeApiError && error.status === 404
            ? ' (does the CRD enable the status subresource?)'
            : '';
        throw new ApplyFailed(input.key, 'status', describe(error) + hint, error);
      }
    }
    return { applied: input.desired.length, pruned: stale.length, statusWritten };
  }
}

/**
 * Adds or removes the relay's finalizer on a primary with server-side apply under its own field
 * manager (`zeroloop/<reconciler>-finalizer`): `metadata.finalizers` is a set, so other owners'
 * finalizers are untouched, and applying an empty list drops only ours.
 */
export async function setFinalizer(
  client: KubeClient,
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
  try {
    await client.request('PATCH', objectPath(input.primaryResource, p.metadata.namespace, p.metadata.name), {
      query: { fieldManager: `zeroloop/${input.reconciler}-finalizer`, force: true },
      body: {
        apiVersion: p.apiVersion,
        kind: p.kind,
        metadata: {
          name: p.metadata.name,
          ...(p.metadata.namespace ? { namespace: p.metadata.namespace } : {}),
          ...(p.metadata.uid ? { uid: p.metadata.uid } : {}),
          finalizers: input.present ? [input.finalizer] : [],
        },
      },
      contentType: APPLY,
    });
  } catch (error) {
    // Already gone: nothing holds it any more.
    if (!input.present && error instanceof KubeApiError && error.status === 404) return;
    throw new ApplyFailed(input.key, 'finalizer', describe(error), error);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
