// Asks each component to describe itself, once per instance, and validates the descriptor.
import { descriptorFromWit, type ReconcilerExports, type WitDescriptor } from '../../src/contract/wit.ts';
import { Descriptor } from '../../src/protocol/schemas.ts';
import { WorkerError } from '../errors/worker-error.ts';
import { summarizeIssues } from '../validation/issues.ts';
import { namedMessage } from './invoke.ts';
import type { InstancePool } from './pool.ts';

// `describe` is pure, so its answer lives as long as the instance that gave it.
const cache = new WeakMap<ReconcilerExports, Descriptor>();

export async function describeReconciler(pool: InstancePool, reconciler: string): Promise<Descriptor> {
  const instance = await pool.acquire(reconciler);
  const cached = cache.get(instance);
  if (cached) return cached;
  let raw: WitDescriptor;
  try {
    raw = instance.describe();
  } catch (error) {
    pool.drop(reconciler, instance);
    throw new WorkerError(
      'reconciler_trap',
      `reconciler "${reconciler}" trapped in describe (${namedMessage(error)}): the instance was dropped`,
      { cause: error },
    );
  }
  const invalid = (reason: string): WorkerError =>
    new WorkerError(
      'invalid_answer',
      `reconciler "${reconciler}" gave an invalid descriptor (${reason}): fix the reconciler's describe`,
    );
  let parsed;
  try {
    parsed = Descriptor.safeParse(descriptorFromWit(raw));
  } catch (error) {
    throw invalid(namedMessage(error));
  }
  if (!parsed.success) throw invalid(summarizeIssues(parsed.error));
  if (parsed.data.name !== reconciler) throw invalid(`it calls itself "${parsed.data.name}"`);
  cache.set(instance, parsed.data);
  return parsed.data;
}
