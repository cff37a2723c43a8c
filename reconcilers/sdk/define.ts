// defineReconciler: turns a descriptor and a pure reconcile function into the wit exports `describe` and `reconcile`.
import type { WitDescriptor, WitResponse } from '../../src/contract/wit.ts';
import { DNS_LABEL } from '../../src/keys.ts';
import { describeThrown, ReconcileError } from './errors.ts';
import { parseRequest, type GuestRequest } from './request.ts';
import { toWitResponse } from './response.ts';
import type { Definition, Descriptor } from './types.ts';

/** The component's exports, as componentize-qjs expects them from the guest module. */
export interface ReconcilerModule {
  describe: () => WitDescriptor;
  /** Returns the response; a thrown ReconcileError becomes the wit `err`. */
  reconcile: (request: GuestRequest) => WitResponse;
}

function checkDescriptor(d: Descriptor): void {
  // Thrown at module initialisation, so a bad descriptor fails the build (componentize), not a call.
  if (!DNS_LABEL.test(d.name))
    throw new Error(`descriptor.name ${JSON.stringify(d.name)} must be a DNS label`);
  if (d.version === '') throw new Error(`descriptor.version of ${d.name} must not be empty`);
}

/**
 * Wraps a reconciler. `reconcile` never traps on bad input: a malformed request, an invalid spec
 * (via SpecReader), a malformed result, and any exception the author's code throws all end as
 * the wit `err` with a message (HTTP 422). An exception that is not a ReconcileError is a bug
 * in the reconciler; its message is prefixed so, but it is still an err: the QuickJS instance is
 * intact, and an err keeps the message where a trap would lose it.
 */
export function defineReconciler(definition: Definition): ReconcilerModule {
  const descriptor = definition.describe;
  checkDescriptor(descriptor);
  const wit: WitDescriptor = {
    name: descriptor.name,
    version: descriptor.version,
    primary: { apiVersion: descriptor.primary.apiVersion, kind: descriptor.primary.kind },
    owns: descriptor.owns.map((k) => ({ apiVersion: k.apiVersion, kind: k.kind })),
    reads: descriptor.reads.map((k) => ({ apiVersion: k.apiVersion, kind: k.kind })),
    finalizer: descriptor.finalizer,
  };
  return {
    describe: () => wit,
    reconcile: (request: GuestRequest): WitResponse => {
      try {
        const req = parseRequest(request, descriptor);
        return toWitResponse(definition.reconcile(req), descriptor, req);
      } catch (thrown) {
        if (thrown instanceof ReconcileError) throw thrown;
        throw new ReconcileError(`bug in reconciler "${descriptor.name}": ${describeThrown(thrown)}`);
      }
    },
  };
}
