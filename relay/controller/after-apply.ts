// The owned objects as an apply left them: what it wrote replaces the cached copies, what it pruned is gone.
//
// The relay's own writes do not wake the primary (echoes.ts), so a reconcile that wrote shows the
// reconciler this view once more, in the same reconcile, and writes the status of that answer:
// a status is then always computed from the children as they are, not as they were before the
// reconcile created or changed them.
import { identity } from '../apply/ownership.ts';
import type { ApplyResult } from '../apply/applier.ts';
import type { KObject } from '../kube/object.ts';

export function ownedAfter(
  owned: readonly KObject[],
  result: Pick<ApplyResult, 'written' | 'prunedIds'>,
): KObject[] {
  const byId = new Map(owned.map((o) => [identity(o), o]));
  for (const id of result.prunedIds) byId.delete(id);
  for (const [id, obj] of result.written) {
    const metadata = { ...obj.metadata };
    delete metadata.managedFields;
    byId.set(id, { ...obj, metadata });
  }
  return [...byId.values()];
}
