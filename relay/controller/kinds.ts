// Resolves a Reconciler's primary, owned and read kinds through discovery, retrying with backoff until they exist.
import { kindId } from '../../src/keys.ts';
import type { Clock } from '../clock.ts';
import { sleep } from '../clock.ts';
import type { ReconcilerSpec } from '../api/reconciler.ts';
import type { Discovery, ResourceInfo } from '../kube/discovery.ts';
import type { Logger } from '../observe/log.ts';
import { ExponentialBackoff } from '../queue/rate-limited.ts';

export interface ControllerKinds {
  primary: ResourceInfo;
  /** Resources of the `owns` kinds, by kindId. */
  owns: Map<string, ResourceInfo>;
  /** Resources of the `reads` kinds, by kindId. */
  reads: Map<string, ResourceInfo>;
}

/** Retries every 1 s doubling to 30 s (logging each miss); undefined once `signal` aborts. */
export async function discoverKinds(input: {
  discovery: Discovery;
  spec: ReconcilerSpec;
  clock: Clock;
  log: Logger;
  signal: AbortSignal;
}): Promise<ControllerKinds | undefined> {
  const { discovery, spec } = input;
  const backoff = new ExponentialBackoff({ baseDelayMs: 1000, maxDelayMs: 30_000 });
  for (;;) {
    try {
      const primary = await discovery.resource(spec.primary.apiVersion, spec.primary.kind);
      const owns = new Map<string, ResourceInfo>();
      for (const k of spec.owns) owns.set(kindId(k), await discovery.resource(k.apiVersion, k.kind));
      const reads = new Map<string, ResourceInfo>();
      for (const k of spec.reads) reads.set(kindId(k), await discovery.resource(k.apiVersion, k.kind));
      return { primary, owns, reads };
    } catch (error) {
      const delay = backoff.when('discovery');
      input.log.warn('kinds not available yet; retrying', { error, retryInMs: delay });
      try {
        await sleep(input.clock, delay, input.signal);
      } catch {
        return undefined;
      }
    }
  }
}
