// `POST /v1/reconcilers/:name/reconcile`: validate the request, adapt it to the component's WIT version, run the component, return its checked answer.
import type { Context } from 'hono';
import { keyOf } from '../../src/keys.ts';
import { WorkerError } from '../errors/worker-error.ts';
import { invokeReconcile, unknownReconciler, type InstancePool } from '../reconcilers/index.ts';
import type { WorkerEnv } from '../types.ts';
import { parseReconcileRequest } from '../validation/request.ts';
import { WIT_VERSION } from '../../src/protocol/version.ts';
import { downgradeRequest } from './downgrade.ts';

export function reconcile(pool: InstancePool) {
  return async function reconcile(c: Context<WorkerEnv>): Promise<Response> {
    const name = c.req.param('name');
    if (name === undefined) throw new WorkerError('not_found', 'no reconciler named in the path');
    c.set('reconciler', name);
    if (!pool.has(name)) throw unknownReconciler(name);
    const parsed = parseReconcileRequest(c.get('body') ?? '', name);
    c.set('primaryKey', keyOf(parsed.primary));
    // A component built against an older WIT gets the request in the shape it was built for.
    const request = downgradeRequest(parsed, pool.wit(name) ?? WIT_VERSION);
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
