// Adapts a reconcile request to the WIT version its component was built against: a 0.1 component gets the 0.1 shape.
import type { ReconcileRequest } from '../../src/protocol/schemas.ts';
import { witOlderThan } from '../../src/protocol/version.ts';

/** The first WIT version whose request carries `config` and `lastWrite`, and whose trigger has `external`. */
const CONFIG_AND_EXTERNAL = '0.2.0';

/**
 * The request as a component of WIT `wit` can take it. A component built against 0.1.x has no
 * `config` or `lastWrite` in its request and no `external` trigger: they are dropped, and an
 * `external` trigger becomes `primary`, so an older component sees an ordinary reconcile (the answer
 * a reconciler gives must not depend on the trigger anyway). Newer components get the request as is.
 */
export function downgradeRequest(request: ReconcileRequest, wit: string): ReconcileRequest {
  if (!witOlderThan(wit, CONFIG_AND_EXTERNAL)) return request;
  const { primary, owned, related, trigger, finalizing } = request;
  return {
    primary,
    owned,
    related,
    trigger: trigger.type === 'external' ? { type: 'primary' } : trigger,
    finalizing,
  };
}
