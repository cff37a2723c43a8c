// `POST /v1/reconcilers/:name/reconcile`: validate the request, run the component, return its checked answer.
import type { Context } from 'hono';
import { keyOf } from '../../src/keys.ts';
import { WorkerError } from '../errors/worker-error.ts';
import { invokeReconcile, unknownReconciler, type InstancePool } from '../reconcilers/index.ts';
import type { WorkerEnv } from '../types.ts';
import { parseReconcileRequest } from '../validation/request.ts';

export function reconcile(pool: InstancePool) {
  return async function reconcile(c: Context<WorkerEnv>): Promise<Response> {
    const name = c.req.param('name');
    if (name === undefined) throw new WorkerError('not_found', 'no reconciler named in the path');
    c.set('reconciler', name);
    if (!pool.has(name)) throw unknownReconciler(name);
    const request = parseReconcileRequest(c.get('body') ?? '', name);
    c.set('primaryKey', keyOf(request.primary));
    const response = await invokeReconcile({
      pool,
      reconciler: name,
      request,
      onTiming: (ms) => {
        c.set('reconcileMs', ms);
      },
    });
    return c.json(response);
  };
}
