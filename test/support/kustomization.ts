// Renders a kustomization that only lists plain resources (deploy/ has no patches or generators) without kustomize: its files' documents, in order.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import * as z from 'zod/mini';
import { KObject } from '../../relay/kube/object.ts';

const Kustomization = z.strictObject({
  apiVersion: z.literal('kustomize.config.k8s.io/v1beta1'),
  kind: z.literal('Kustomization'),
  resources: z.array(z.string()),
});

/** The objects `kubectl apply -k <dir>` would send; refuses (says so) a kustomization with anything but `resources`. */
export async function renderPlainKustomization(dir: string): Promise<KObject[]> {
  const path = join(dir, 'kustomization.yaml');
  const parsed = Kustomization.safeParse(loadAll(await readFile(path, 'utf8'))[0]);
  if (!parsed.success)
    throw new Error(
      `${path} uses more than a plain resources list (${parsed.error.issues.map((i) => i.path.join('.') || i.message).join(', ')}); render it with kustomize instead`,
    );
  const objects: KObject[] = [];
  for (const resource of parsed.data.resources) {
    const file = join(dir, resource);
    for (const doc of loadAll(await readFile(file, 'utf8'))) {
      if (doc !== null && doc !== undefined) objects.push(KObject.parse(doc));
    }
  }
  return objects;
}

/** `kind namespace/name`, for sorting and messages. */
export function objectId(o: KObject): string {
  return `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}
