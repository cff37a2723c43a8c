// `GET /v1/reconcilers`: the validated descriptor of every reconciler this worker runs, with the WIT version its component was built against.
import type { Context } from 'hono';
import type { DescriptorList, ListedReconciler } from '../../src/protocol/schemas.ts';
import { describeReconciler, type InstancePool } from '../reconcilers/index.ts';
import type { WorkerEnv } from '../types.ts';

export function listReconcilers(pool: InstancePool) {
  return async function listReconcilers(c: Context<WorkerEnv>): Promise<Response> {
    const reconcilers: ListedReconciler[] = [];
    for (const name of pool.names()) {
      c.set('reconciler', name);
      reconcilers.push({ ...(await describeReconciler(pool, name)), wit: pool.wit(name) ?? '' });
    }
    c.set('reconciler', '*');
    const body: DescriptorList = { reconcilers };
    return c.json(body);
  };
}
