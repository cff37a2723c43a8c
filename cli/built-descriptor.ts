// Reads a built reconciler's descriptor (its `describe()`), from the components `npm run build:reconcilers` wrote.
import { descriptorFromWit, type ReconcilerExports } from '../src/contract/wit.ts';
import { Descriptor } from '../src/protocol/schemas.ts';
import { NODE_LOADER_URL } from '../reconcilers/pipeline/paths.ts';

interface NodeLoader {
  names: readonly string[];
  loadReconciler(name: string): Promise<ReconcilerExports>;
}

/** The reconciler is not built, or does not exist: says which and what to run. */
export class DescriptorUnavailable extends Error {
  override readonly name = 'DescriptorUnavailable';
}

export async function builtDescriptor(name: string): Promise<Descriptor> {
  let loader: NodeLoader;
  try {
    loader = (await import(NODE_LOADER_URL.href)) as NodeLoader;
  } catch (error) {
    throw new DescriptorUnavailable(
      `no built reconcilers at ${NODE_LOADER_URL.pathname}: run \`npx zeroloop build\` first`,
      { cause: error },
    );
  }
  if (!loader.names.includes(name))
    throw new DescriptorUnavailable(
      `no built reconciler "${name}" (built: ${loader.names.join(', ')}); check the name, or run \`npx zeroloop build\``,
    );
  const parsed = Descriptor.safeParse(descriptorFromWit((await loader.loadReconciler(name)).describe()));
  if (!parsed.success)
    throw new DescriptorUnavailable(`reconciler "${name}" describes itself invalidly; fix its describe()`, {
      cause: parsed.error,
    });
  return parsed.data;
}
