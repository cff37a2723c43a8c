// The messages between `npm run bench -- compare` and its floor client (bench/baseline/floor.ts) over the child's IPC channel.
import * as z from 'zod/mini';
import type { KObject } from '../../relay/kube/object.ts';

/**
 * Benchmark → floor: a Website the benchmark just created, as the create's answer gave it. This
 * stands in for a watch: the floor learns of each Website without a watch, a cache or a read.
 */
export const FloorCreated = z.object({
  type: z.literal('created'),
  namespace: z.string(),
  name: z.string(),
  uid: z.string(),
  generation: z.number(),
  creationTimestamp: z.string(),
  spec: z.object({
    html: z.optional(z.string()),
    image: z.optional(z.string()),
    replicas: z.optional(z.number()),
    expose: z.optional(z.boolean()),
  }),
});
export type FloorCreated = z.infer<typeof FloorCreated>;

/** Floor → benchmark: ready to take Websites, or one Website written (its writes, and the attempts that failed). */
export const FloorReport = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), pid: z.number() }),
  z.object({ type: z.literal('written'), name: z.string(), writes: z.number(), failed: z.number() }),
]);
export type FloorReport = z.infer<typeof FloorReport>;

/** A created Website's answer is missing a field the floor needs (the apiserver always sets them). */
export class CreatedWebsiteIncomplete extends Error {
  override readonly name = 'CreatedWebsiteIncomplete';
  constructor(key: string, problem: string) {
    super(`the created Website ${key} cannot be handed to the floor: ${problem}`);
  }
}

/** The `created` message for the answer of a Website create. */
export function floorCreated(website: KObject): FloorCreated {
  const { metadata } = website;
  const key = `${metadata.namespace ?? ''}/${metadata.name}`;
  const parsed = z
    .object({
      metadata: z.looseObject({
        namespace: z.string(),
        uid: z.string(),
        generation: z.number(),
        creationTimestamp: z.string(),
      }),
      spec: z.looseObject(FloorCreated.shape.spec.shape),
    })
    .safeParse(website);
  if (!parsed.success) throw new CreatedWebsiteIncomplete(key, z.prettifyError(parsed.error));
  const { namespace, uid, generation, creationTimestamp } = parsed.data.metadata;
  const { html, image, replicas, expose } = parsed.data.spec;
  return {
    type: 'created',
    namespace,
    name: metadata.name,
    uid,
    generation,
    creationTimestamp,
    spec: {
      ...(html !== undefined && { html }),
      ...(image !== undefined && { image }),
      ...(replicas !== undefined && { replicas }),
      ...(expose !== undefined && { expose }),
    },
  };
}
