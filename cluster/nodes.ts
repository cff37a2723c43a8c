// The fake nodes (and default StorageClass) of a plane with workloads: objects kwok plays a kubelet and a provisioner for.
import { z } from 'zod';
import { FAKE_NODE_ANNOTATION, STORAGE_CLASS } from './components.ts';
import { InvalidControlPlaneOption, ProcessStartFailed } from './errors.ts';
import { httpsGet, httpsRequest } from './probe.ts';

/** Fake nodes a plane with workloads gets unless told otherwise. */
export const DEFAULT_NODES = 3;
/** More would only slow the start: each node costs a Lease renewal every 10 s. */
export const MAX_NODES = 100;

/** Checks the `nodes` option: a whole number from 1 to MAX_NODES. */
export function checkNodeCount(nodes: number): number {
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > MAX_NODES) {
    throw new InvalidControlPlaneOption(
      `option nodes=${String(nodes)}: the number of fake nodes must be a whole number from 1 to ${String(MAX_NODES)}`,
      `pass nodes between 1 and ${String(MAX_NODES)} (default ${String(DEFAULT_NODES)}), or workloads: false for no nodes`,
    );
  }
  return nodes;
}

export function fakeNodeName(index: number): string {
  return `kwok-node-${String(index)}`;
}

/** A Node as kubelet registration would create it, marked for kwok by FAKE_NODE_ANNOTATION; no taints. */
export function fakeNode(name: string) {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { [FAKE_NODE_ANNOTATION.key]: FAKE_NODE_ANNOTATION.value },
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        type: 'kwok',
      },
    },
  } as const;
}

/** The default StorageClass whose claims kwok binds (cluster/kwok/volume-stages.yaml). */
export const storageClass = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: {
    name: STORAGE_CLASS.name,
    annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
  },
  provisioner: STORAGE_CLASS.provisioner,
  reclaimPolicy: 'Delete',
  volumeBindingMode: 'Immediate',
} as const;

/** How to reach the API server as admin. */
export interface ApiAccess {
  readonly server: string;
  readonly ca: string;
  readonly token: string;
}

async function create(api: ApiAccess, path: string, object: { readonly metadata: { name: string } }) {
  const answer = await httpsRequest('POST', `${api.server}${path}`, {
    ca: api.ca,
    token: api.token,
    json: object,
  });
  if (answer.status !== 201) {
    throw new ProcessStartFailed(
      `step create-workload-objects: POST ${path} (${object.metadata.name}) answered ${String(answer.status)}: ${answer.body.slice(0, 300)}`,
      'read the API error above; the control plane log tails follow',
    );
  }
}

/** Creates `count` fake nodes and the default StorageClass; returns the nodes' names. */
export async function createWorkloadObjects(api: ApiAccess, count: number): Promise<string[]> {
  const names = Array.from({ length: count }, (_, i) => fakeNodeName(i));
  await Promise.all(names.map((name) => create(api, '/api/v1/nodes', fakeNode(name))));
  await create(api, '/apis/storage.k8s.io/v1/storageclasses', storageClass);
  return names;
}

const NodeList = z.object({
  items: z.array(
    z.object({
      metadata: z.object({ name: z.string() }),
      status: z
        .object({ conditions: z.array(z.object({ type: z.string(), status: z.string() })).optional() })
        .optional(),
    }),
  ),
});

/** True once every named node reports Ready=True (kwok's node-initialize Stage ran for each). */
export async function nodesReady(api: ApiAccess, names: readonly string[]): Promise<boolean> {
  const answer = await httpsGet(`${api.server}/api/v1/nodes`, { ca: api.ca, token: api.token });
  if (answer.status !== 200) return false;
  const ready = new Set(
    NodeList.parse(JSON.parse(answer.body))
      .items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
      .map((n) => n.metadata.name),
  );
  return names.every((name) => ready.has(name));
}
