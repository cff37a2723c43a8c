// Applies the demo: CRDs, a namespace, the signing Secret, one Reconciler per reconciler the worker runs, samples.
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PROJECT_ROOT, TOOLKIT_ROOT } from '../reconcilers/pipeline/paths.ts';
import { configDefaults } from '../src/manifests/reconciler-resource.ts';
import { HEADERS, ROUTES } from '../src/protocol/routes.ts';
import { parseProtocolVersion, PROTOCOL_VERSION, supportsProtocol } from '../src/protocol/version.ts';
import { DescriptorList } from '../src/protocol/schemas.ts';
import type { Descriptor } from '../src/protocol/schemas.ts';
import { signHeaders } from '../src/signing.ts';
import { applyDemoHookSecret, demoTriggers } from './hooks.ts';
import type { Manifests } from './kube.ts';

/** The project's reconcilers (their CRDs and samples); the Reconciler CRD is the toolkit's. */
const ROOT = pathToFileURL(PROJECT_ROOT);
const RECONCILER_CRD = new URL('deploy/crds/reconcilers.zeroloop.dev.yaml', pathToFileURL(TOOLKIT_ROOT));
/** Labels the demo's Reconcilers, so this relay runs only them (a shared cluster may hold others). */
export const DEMO_LABEL = 'zeroloop.dev/demo';
const SECRET_NAME = 'worker-signing';

/** Asking the worker for its descriptors failed. */
export class DescribeFailed extends Error {
  override readonly name = 'DescribeFailed';
}

/** GET /v1/reconcilers (signed): what the worker runs, validated. */
export async function describeWorker(workerUrl: string, secret: string): Promise<Descriptor[]> {
  const signed = await signHeaders({ secret, method: 'GET', path: ROUTES.list, body: '' });
  const headers = { [HEADERS.protocol]: String(PROTOCOL_VERSION), ...signed };
  const response = await fetch(new URL(ROUTES.list, workerUrl), { headers });
  const text = await response.text();
  const stated = response.headers.get(HEADERS.protocol);
  if (!supportsProtocol(parseProtocolVersion(stated))) {
    throw new DescribeFailed(
      `the worker at ${workerUrl} speaks zeroloop protocol ${stated ?? '(none stated)'}, this checkout protocol ${String(PROTOCOL_VERSION)}: restart it from this checkout`,
    );
  }
  if (!response.ok) {
    throw new DescribeFailed(`GET ${ROUTES.list} answered ${String(response.status)}: ${text.slice(0, 300)}`);
  }
  const parsed = DescriptorList.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new DescribeFailed(`GET ${ROUTES.list} gave an invalid list: ${parsed.error.message}`);
  return parsed.data.reconcilers;
}

export interface DemoOptions {
  manifests: Manifests;
  namespace: string;
  workerUrl: string;
  secret: string;
  descriptors: readonly Descriptor[];
  /**
   * Whether the demo Reconcilers watch every namespace (our own embedded cluster) or only `namespace` (a
   * cluster given with --kubeconfig, which may hold other people's Websites).
   */
  allNamespaces: boolean;
  /** Progress, one short line per step. */
  progress: (line: string) => void;
}

export interface Demo {
  /** The label selector the relay runs (`zeroloop.dev/demo=<namespace>`). */
  selector: string;
  /** Reconciler resource name → kind of its primaries. */
  kinds: ReadonlyMap<string, string>;
  /** `Kind namespace/name` of every sample applied. */
  samples: string[];
  /** The Reconciler that carries the demo hook (local/hooks.ts), if a Website reconciler runs. */
  hooked?: string;
}

export function reconcilerName(namespace: string, reconciler: string): string {
  return `${namespace}-${reconciler}`;
}

/** Applies everything the demo needs; idempotent (server-side apply), so a rerun on the same cluster is fine. */
export async function applyDemo(options: DemoOptions): Promise<Demo> {
  const { manifests, namespace, descriptors, progress } = options;
  await manifests.applyFile(RECONCILER_CRD);
  for (const d of descriptors) await manifests.applyFile(new URL(`reconcilers/${d.name}/crd.yaml`, ROOT));
  progress(`CRDs established: Reconciler, ${descriptors.map((d) => d.primary.kind).join(', ')}`);
  await manifests.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  await manifests.apply({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: SECRET_NAME, namespace },
    stringData: { secret: options.secret },
  });
  const kinds = new Map<string, string>();
  // The Websites get a hook (README, Triggers): `npx zeroloop hook` sends it a signed test delivery.
  const hooked = descriptors.find((d) => d.primary.kind === 'Website');
  if (hooked) await applyDemoHookSecret(manifests, namespace);
  for (const d of descriptors) {
    const name = reconcilerName(namespace, d.name);
    const config = configDefaults(d.configSchema);
    await manifests.apply({
      apiVersion: 'zeroloop.dev/v1alpha1',
      kind: 'Reconciler',
      metadata: { name, labels: { [DEMO_LABEL]: namespace } },
      spec: {
        reconciler: d.name,
        endpoint: options.workerUrl,
        signingSecretRef: { namespace, name: SECRET_NAME, key: 'secret' },
        primary: d.primary,
        owns: d.owns,
        reads: d.reads,
        finalizer: d.finalizer,
        // Empty means every namespace.
        namespaces: options.allNamespaces ? [] : [namespace],
        ...(d === hooked && { triggers: demoTriggers() }),
        // The configuration its schema defaults to, written out so it is there to edit (README, Configuration).
        ...(config !== undefined && { config }),
      },
    });
    kinds.set(name, d.primary.kind);
  }
  progress(
    `namespace ${namespace}, Secret ${SECRET_NAME}, Reconcilers ${[...kinds.keys()].join(', ')} ` +
      `(watching ${options.allNamespaces ? 'every namespace' : `namespace ${namespace} only`})`,
  );
  const samples: string[] = [];
  for (const d of descriptors) {
    const dir = new URL(`reconcilers/${d.name}/samples/`, ROOT);
    const files = (await readdir(fileURLToPath(dir)).catch(() => []))
      .filter((f) => /\.ya?ml$/.test(f))
      .sort();
    for (const file of files) {
      for (const obj of await manifests.applyFile(new URL(file, dir), { namespace })) {
        samples.push(`${obj.kind} ${obj.metadata.namespace ?? ''}/${obj.metadata.name}`);
      }
    }
  }
  progress(`samples applied: ${samples.join(', ')}`);
  return {
    selector: `${DEMO_LABEL}=${namespace}`,
    kinds,
    samples,
    ...(hooked && { hooked: reconcilerName(namespace, hooked.name) }),
  };
}

/**
 * On a cluster we did not start: delete the namespace (samples and their children) while the relay still runs,
 * so finalizers complete, then the Reconcilers (they name a worker that is about to stop). CRDs stay: others
 * may use them. Resolves false if the namespace is still there after `timeoutMs`.
 */
export async function removeDemo(
  manifests: Manifests,
  namespace: string,
  reconcilers: readonly string[],
  timeoutMs: number,
): Promise<boolean> {
  await manifests.delete('v1', 'Namespace', undefined, namespace);
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  while (!gone && Date.now() < deadline) {
    gone = (await manifests.get('v1', 'Namespace', undefined, namespace)) === undefined;
    if (!gone) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  for (const name of reconcilers)
    await manifests.delete('zeroloop.dev/v1alpha1', 'Reconciler', undefined, name);
  return gone;
}
