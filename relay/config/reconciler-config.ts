// Checks a Reconciler against its reconciler's descriptor when the relay loads it: `spec.config` against the descriptor's JSON Schema, and the descriptor's finalizer name.
//
// An invalid config stops the Reconciler (no reconcile runs, not even with the last good config):
// a reconciler must never act on settings its owner did not write, and the condition says what to
// fix. The schema is checked by @cfworker/json-schema (drafts 4, 7, 2019-09 and 2020-12, without
// remote `$ref`s or `format` assertions beyond its own); the config is at most MAX_CONFIG_BYTES.
import { type ValidationResult, Validator } from '@cfworker/json-schema';
import type { Descriptor, JsonObject } from '../../src/protocol/schemas.ts';
import type { ControllerConfig, ReconcilerSpec } from '../api/reconciler.ts';
import { canonical } from '../apply/intent.ts';
import { finalizerNameFor } from '../controller/finalizer-name.ts';

/** The most `spec.config` may take, serialized as JSON (UTF-8 bytes). */
export const MAX_CONFIG_BYTES = 64 * 1024;

/** The Reconciler's config or finalizer name refused: its Ready condition's reason and message. */
export class ReconcilerRefused extends Error {
  override readonly name = 'ReconcilerRefused';
  readonly reason: 'InvalidConfig' | 'InvalidFinalizerName';
  /** The JSON pointer of the field at fault, in the Reconciler (`/spec/config/...`); undefined for a finalizer name. */
  readonly pointer: string | undefined;
  constructor(reason: ReconcilerRefused['reason'], message: string, pointer?: string) {
    super(message);
    this.reason = reason;
    this.pointer = pointer;
  }
}

/**
 * What the controller takes from the descriptor: the finalizer name it declares, checked, when the
 * Reconciler holds a finalizer (undefined: the default, or none held). Throws ReconcilerRefused.
 */
export function checkAgainstDescriptor(
  name: string,
  spec: ReconcilerSpec,
  descriptor: Pick<Descriptor, 'configSchema' | 'finalizerName'>,
): { finalizerName: string | undefined } {
  if (spec.config !== undefined) checkConfig(name, spec.reconciler, spec.config, descriptor.configSchema);
  // Undefined unless declared, so a config change alone never looks like a new finalizer.
  if (!spec.finalizer || descriptor.finalizerName === undefined) return { finalizerName: undefined };
  try {
    return {
      finalizerName: finalizerNameFor(spec.reconciler, descriptor.finalizerName, spec.primary.apiVersion),
    };
  } catch (error) {
    throw new ReconcilerRefused(
      'InvalidFinalizerName',
      error instanceof Error ? error.message : String(error),
    );
  }
}

/** Throws ReconcilerRefused naming the first field of `config` the schema refuses (a JSON pointer). */
export function checkConfig(
  name: string,
  reconciler: string,
  config: JsonObject,
  schema: JsonObject | undefined,
): void {
  const refuse = (pointer: string, why: string) =>
    new ReconcilerRefused(
      'InvalidConfig',
      `spec.config of Reconciler ${name} is refused at ${pointer}: ${why}; fix spec.config`,
      pointer,
    );
  const bytes = new TextEncoder().encode(JSON.stringify(config)).length;
  if (bytes > MAX_CONFIG_BYTES)
    throw refuse(
      '/spec/config',
      `${String(bytes)} bytes as JSON, over the ${String(MAX_CONFIG_BYTES)}-byte bound`,
    );
  if (schema === undefined)
    throw refuse(
      '/spec/config',
      `reconciler ${reconciler} declares no configSchema, so it takes no configuration; remove spec.config or add a schema to the reconciler`,
    );
  const result = validate(schema, config);
  if (result === undefined)
    throw refuse(
      '/spec/config',
      `the configSchema of reconciler ${reconciler} is not a JSON Schema the relay can use; fix the reconciler's schema`,
    );
  if (result.valid) return;
  // The deepest location is the field itself; the errors above it only say that a child failed.
  const deepest = [...result.errors].sort((a, b) => b.instanceLocation.length - a.instanceLocation.length)[0];
  const pointer = `/spec/config${(deepest?.instanceLocation ?? '#').replace(/^#/, '')}`;
  throw refuse(pointer, deepest?.error ?? 'does not match the schema');
}

/**
 * What a new version of a running Reconciler changes: nothing the controller uses, only
 * `spec.config` (its canonical JSON: key order is no change), or more (the controller restarts).
 */
export function changeOf(running: ControllerConfig, next: ControllerConfig): 'none' | 'config' | 'restart' {
  const withoutConfig = (c: ControllerConfig) => canonical({ ...c, spec: { ...c.spec, config: null } });
  if (withoutConfig(running) !== withoutConfig(next)) return 'restart';
  return canonical(running.spec.config ?? null) === canonical(next.spec.config ?? null) ? 'none' : 'config';
}

/** The validator's verdict, or undefined when the schema itself cannot be used. */
function validate(schema: JsonObject, config: JsonObject): ValidationResult | undefined {
  try {
    return new Validator(schema, '2020-12', false).validate(config);
  } catch {
    return undefined;
  }
}
