// A STAND-IN registry of plain-JS "components" for fast in-Node tests of the app; workerd tests use real ones.
// It mimics what jco gives for the `faulty` fixture: `spec.mode` picks ok / err / trap / invalid / throw,
// wit `err` throws an Error with `.payload`, and a trap poisons the instance like a real WebAssembly trap.
import type {
  ReconcilerExports,
  ReconcilerRegistry,
  RegisteredReconciler,
  WitDescriptor,
  WitRequest,
  WitResponse,
} from '../../src/contract/wit.ts';
import { WIT_VERSION } from '../../src/protocol/version.ts';

class ComponentError extends Error {
  readonly payload: string;
  constructor(payload: string) {
    super(payload);
    this.payload = payload;
  }
}

function modeOf(request: WitRequest): string {
  const primary = JSON.parse(request.primary) as { spec?: { mode?: unknown } };
  return typeof primary.spec?.mode === 'string' ? primary.spec.mode : 'ok';
}

const descriptor: WitDescriptor = {
  name: 'stand-in',
  version: '0.0.0',
  primary: { apiVersion: 'test.zeroloop.dev/v1', kind: 'Faulty' },
  owns: [{ apiVersion: 'v1', kind: 'ConfigMap' }],
  reads: [],
  finalizer: false,
  configSchema: undefined,
  finalizerName: undefined,
};

export interface StandInRegistry extends ReconcilerRegistry {
  'stand-in': RegisteredReconciler;
  misnamed: RegisteredReconciler;
  broken: RegisteredReconciler;
  outdated: RegisteredReconciler;
}

/** A WIT version no worker of this build runs (the 0.0 minor). */
export const OUTDATED_WIT = '0.0.9';

export interface StandInStats {
  instances: number;
  calls: number;
}

function standIn(stats: StandInStats, describe: () => WitDescriptor): ReconcilerExports {
  let poisoned = false;
  return {
    describe,
    reconcile(request: WitRequest): WitResponse {
      stats.calls++;
      if (poisoned) throw new WebAssembly.RuntimeError('unreachable (instance poisoned by an earlier trap)');
      const primary = JSON.parse(request.primary) as { metadata: { name: string; namespace?: string } };
      switch (modeOf(request)) {
        case 'err':
          throw new ComponentError('spec.mode is err: refusing on purpose');
        case 'trap':
          poisoned = true;
          throw new WebAssembly.RuntimeError('unreachable');
        case 'throw':
          throw new TypeError('not a payload');
        case 'invalid':
          return {
            desired: ['{"kind":"NoApiVersion"}'],
            status: undefined,
            related: [],
            requeueAfterMs: undefined,
            finalized: false,
            events: [],
          };
        case 'not-json':
          return {
            desired: ['{'],
            status: undefined,
            related: [],
            requeueAfterMs: undefined,
            finalized: false,
            events: [],
          };
        default:
          return {
            desired: [
              JSON.stringify({
                apiVersion: 'v1',
                kind: 'ConfigMap',
                metadata: { name: `${primary.metadata.name}-out`, namespace: primary.metadata.namespace },
                data: { owned: String(request.owned.length), related: String(request.related.length) },
              }),
            ],
            status: JSON.stringify({ observed: true }),
            related: [],
            requeueAfterMs: undefined,
            finalized: request.finalizing,
            events: [{ type: 'normal', reason: 'Reconciled', message: 'stand-in reconciled' }],
          };
      }
    },
  };
}

/**
 * A registry with `stand-in` (all modes), `misnamed` (describe lies about its name), `broken` (cannot
 * instantiate) and `outdated` (built against OUTDATED_WIT; counts its instances in `stats` too).
 */
export function standInRegistry(stats: StandInStats = { instances: 0, calls: 0 }): StandInRegistry {
  const counted = (): Promise<ReconcilerExports> => {
    stats.instances++;
    return Promise.resolve(standIn(stats, () => descriptor));
  };
  return {
    'stand-in': { wit: WIT_VERSION, instantiate: counted },
    misnamed: {
      wit: WIT_VERSION,
      instantiate: () => Promise.resolve(standIn(stats, () => ({ ...descriptor, name: 'other' }))),
    },
    broken: { wit: WIT_VERSION, instantiate: () => Promise.reject(new Error('core module missing')) },
    outdated: { wit: OUTDATED_WIT, instantiate: counted },
  };
}
