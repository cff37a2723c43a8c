// defineReconciler: turns a descriptor and a pure reconcile function into the wit exports `describe` and `reconcile`.
import { descriptorToWit, type WitDescriptor, type WitResponse } from '../../src/contract/wit.ts';
import { DNS_LABEL } from '../../src/keys.ts';
import { finalizerNameProblem } from '../../src/protocol/finalizer-name.ts';
import { describeThrown, ReconcileError } from './errors.ts';
import { isRecord } from './objects.ts';
import { configOf, parseRequest, type GuestRequest } from './request.ts';
import { toWitResponse } from './response.ts';
import type { Definition, Descriptor, JsonObject } from './types.ts';

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
  if (d.configSchema !== undefined && !isRecord(d.configSchema))
    throw new Error(`descriptor.configSchema of ${d.name} must be a JSON Schema object`);
  if (d.finalizerName !== undefined) {
    const problem = finalizerNameProblem(d.finalizerName, d.primary.apiVersion);
    if (problem !== undefined) throw new Error(`descriptor.finalizerName of ${d.name}: ${problem}`);
  }
}

/** The last config text and what the definition made of it: one read per distinct config, not per reconcile. */
interface ConfigCache<Config> {
  text: string | null | undefined;
  value: { ok: Config } | { error: unknown };
}

/**
 * Wraps a reconciler. `reconcile` never traps on bad input: a malformed request, an invalid spec
 * (via SpecReader), a config the definition refuses, a malformed result, and any exception the
 * author's code throws all end as the wit `err` with a message (HTTP 422). An exception that is not
 * a ReconcileError is a bug in the reconciler; its message is prefixed so, but it is still an err:
 * the QuickJS instance is intact, and an err keeps the message where a trap would lose it.
 *
 * Without a `config` function, `request.config` is the Reconciler's `spec.config` as given (a JSON
 * object, or undefined); with one, it is what that function returns.
 */
export function defineReconciler(definition: Definition & { config?: undefined }): ReconcilerModule;
export function defineReconciler<Config>(
  definition: Definition<Config> & { config: (config: JsonObject | undefined) => Config },
): ReconcilerModule;
export function defineReconciler<Config>(definition: Definition<Config>): ReconcilerModule {
  const descriptor = definition.describe;
  checkDescriptor(descriptor);
  const wit = descriptorToWit(descriptor);
  // Without a config function, Config is JsonObject | undefined (the first overload).
  const read = definition.config ?? ((config: JsonObject | undefined) => config as Config);
  let cache: ConfigCache<Config> | undefined;
  const configFor = (text: string | null | undefined): Config => {
    if (cache === undefined || cache.text !== text) {
      let value: ConfigCache<Config>['value'];
      try {
        value = { ok: read(configOf(text)) };
      } catch (thrown) {
        value = { error: thrown };
      }
      cache = { text, value };
    }
    if ('error' in cache.value) throw cache.value.error;
    return cache.value.ok;
  };
  return {
    describe: () => wit,
    reconcile: (request: GuestRequest): WitResponse => {
      try {
        const req = parseRequest(request, descriptor, configFor);
        return toWitResponse(definition.reconcile(req), descriptor, req);
      } catch (thrown) {
        if (thrown instanceof ReconcileError) throw thrown;
        throw new ReconcileError(`bug in reconciler "${descriptor.name}": ${describeThrown(thrown)}`);
      }
    },
  };
}
