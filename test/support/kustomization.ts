// Renders a kustomization of plain resources and an `images:` list (deploy/ has no patches or generators) without kustomize: its files' documents, in order, images set.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import * as z from 'zod/mini';
import { KObject } from '../../relay/kube/object.ts';

/** kustomize's images transformer: the containers whose image is `name` get `newName`, `newTag` or `digest`. */
const Image = z.strictObject({
  name: z.string().check(z.minLength(1)),
  newName: z.optional(z.string().check(z.minLength(1))),
  newTag: z.optional(z.string().check(z.minLength(1))),
  digest: z.optional(z.string().check(z.regex(/^sha256:[0-9a-f]{64}$/))),
});
type Image = z.infer<typeof Image>;
const Kustomization = z.strictObject({
  apiVersion: z.literal('kustomize.config.k8s.io/v1beta1'),
  kind: z.literal('Kustomization'),
  resources: z.array(z.string()),
  images: z.optional(z.array(Image)),
});

/** `repo[:tag][@digest]` split as kustomize does (a port's colon is not a tag's). */
function splitImage(image: string): { name: string; tag?: string; digest?: string } {
  const [ref = '', digest] = image.split('@');
  const colon = ref.lastIndexOf(':');
  const hasTag = colon > ref.lastIndexOf('/');
  return {
    name: hasTag ? ref.slice(0, colon) : ref,
    ...(hasTag ? { tag: ref.slice(colon + 1) } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

/** The image `images` make of `image` (unchanged when no entry names it). */
export function transformImage(image: string, images: readonly Image[]): string {
  const parts = splitImage(image);
  const rule = images.find((i) => i.name === parts.name);
  if (rule === undefined) return image;
  const name = rule.newName ?? parts.name;
  if (rule.digest !== undefined) return `${name}@${rule.digest}`;
  const tag = rule.newTag ?? parts.tag;
  return `${name}${tag !== undefined ? `:${tag}` : ''}${parts.digest !== undefined && rule.newTag === undefined ? `@${parts.digest}` : ''}`;
}

interface PodSpecLike {
  containers?: { image?: string }[];
  initContainers?: { image?: string }[];
}

/** Every pod template of a workload object (Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod). */
function podSpecs(obj: Record<string, unknown>): PodSpecLike[] {
  const spec = obj.spec as
    | (PodSpecLike & {
        template?: { spec?: PodSpecLike };
        jobTemplate?: { spec?: { template?: { spec?: PodSpecLike } } };
      })
    | undefined;
  if (spec === undefined) return [];
  if (obj.kind === 'Pod') return [spec];
  return [spec.template?.spec, spec.jobTemplate?.spec?.template?.spec].filter((s) => s !== undefined);
}

/** The objects `kubectl apply -k <dir>` would send; refuses (says so) a kustomization with anything but `resources` and `images`. */
export async function renderPlainKustomization(dir: string): Promise<KObject[]> {
  const path = join(dir, 'kustomization.yaml');
  const parsed = Kustomization.safeParse(loadAll(await readFile(path, 'utf8'))[0]);
  if (!parsed.success)
    throw new Error(
      `${path} uses more than a plain resources list (${parsed.error.issues.map((i) => i.path.join('.') || i.message).join(', ')}); render it with kustomize instead`,
    );
  const objects: KObject[] = [];
  const images = parsed.data.images ?? [];
  for (const resource of parsed.data.resources) {
    const file = join(dir, resource);
    for (const doc of loadAll(await readFile(file, 'utf8'))) {
      if (doc === null || doc === undefined) continue;
      const obj = KObject.parse(doc);
      for (const pod of podSpecs(obj))
        for (const c of [...(pod.containers ?? []), ...(pod.initContainers ?? [])])
          if (c.image !== undefined) c.image = transformImage(c.image, images);
      objects.push(obj);
    }
  }
  return objects;
}

/** `kind namespace/name`, for sorting and messages. */
export function objectId(o: KObject): string {
  return `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}
