// Command-line flags of etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok on loopback.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where everything of one control plane lives, all inside its temp dir. */
export interface Layout {
  readonly dir: string;
  readonly etcdData: string;
  readonly certDir: string;
  /** The serving certificate bundle kube-apiserver generates in `certDir` (leaf + its self-signed CA). */
  readonly servingCert: string;
  readonly tokenFile: string;
  readonly saPrivateKey: string;
  readonly saPublicKey: string;
  /** The admin kubeconfig handed to users and tests. */
  readonly kubeconfig: string;
  /** kube-controller-manager's own kubeconfig (its own user, so its requests are told apart). */
  readonly controllerManagerKubeconfig: string;
  /** kube-scheduler's and kwok's own kubeconfigs. */
  readonly schedulerKubeconfig: string;
  readonly kwokKubeconfig: string;
  readonly logs: string;
}

export function layout(dir: string): Layout {
  const certDir = join(dir, 'pki');
  return {
    dir,
    etcdData: join(dir, 'etcd'),
    certDir,
    servingCert: join(certDir, 'apiserver.crt'),
    tokenFile: join(dir, 'pki', 'tokens.csv'),
    saPrivateKey: join(dir, 'pki', 'sa.key'),
    saPublicKey: join(dir, 'pki', 'sa.pub'),
    kubeconfig: join(dir, 'kubeconfig'),
    controllerManagerKubeconfig: join(dir, 'pki', 'controller-manager.kubeconfig'),
    schedulerKubeconfig: join(dir, 'pki', 'scheduler.kubeconfig'),
    kwokKubeconfig: join(dir, 'pki', 'kwok.kubeconfig'),
    logs: join(dir, 'logs'),
  };
}

export interface Ports {
  readonly etcdClient: number;
  readonly etcdPeer: number;
  readonly apiserver: number;
}

/**
 * The service CIDR, only used to allocate ClusterIPs (nothing routes to them here). A /16 holds
 * 65k Services: a /24 ran out ("range is full") with a few hundred exposed Websites in bench:relay.
 */
export const SERVICE_CIDR = '10.0.0.0/16';

/**
 * The controllers of the light plane (no nodes, no scheduler): garbage collection (ownerReference cascading)
 * and namespace deletion are the point; the service-account ones create each namespace's `default`
 * ServiceAccount and the `kube-root-ca.crt` ConfigMap that real clusters have; clusterrole aggregation fills
 * the `admin`/`edit`/`view` roles. Everything that manages pods or nodes is left out: nothing would run them.
 */
export const LIGHT_CONTROLLERS = [
  'garbage-collector-controller',
  'namespace-controller',
  'serviceaccount-controller',
  'serviceaccount-token-controller',
  'root-ca-certificate-publisher-controller',
  'clusterrole-aggregation-controller',
] as const;

export function etcdArgs(l: Layout, p: Ports): string[] {
  const client = `http://127.0.0.1:${p.etcdClient}`;
  const peer = `http://127.0.0.1:${p.etcdPeer}`;
  return [
    '--name=zeroloop',
    `--data-dir=${l.etcdData}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=zeroloop=${peer}`,
    // Throwaway data: skip fsync, as envtest does. Makes writes far faster on slow disks.
    '--unsafe-no-fsync=true',
    '--log-level=warn',
  ];
}

export function apiserverArgs(l: Layout, p: Ports): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${p.etcdClient}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${p.apiserver}`,
    // kube-apiserver generates a self-signed serving cert (for 127.0.0.1 and localhost) into cert-dir.
    `--cert-dir=${l.certDir}`,
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    `--service-account-issuer=https://127.0.0.1:${p.apiserver}`,
    `--service-account-key-file=${l.saPublicKey}`,
    `--service-account-signing-key-file=${l.saPrivateKey}`,
    `--token-auth-file=${l.tokenFile}`,
    '--authorization-mode=RBAC',
    '--profiling=false',
  ];
}

/**
 * With workloads, kube-controller-manager runs its default set (`*`: deployment, replicaset, statefulset,
 * daemonset, job, cronjob, endpoints, endpointslice, node lifecycle, disruption and the rest), as a real
 * cluster does. Controllers that need a cloud or flags we do not set (csrsigning, node-ipam) skip themselves.
 */
export const WORKLOAD_CONTROLLERS = ['*'] as const;

export function controllerManagerArgs(l: Layout, workloads: boolean): string[] {
  return [
    `--kubeconfig=${l.controllerManagerKubeconfig}`,
    `--controllers=${(workloads ? WORKLOAD_CONTROLLERS : LIGHT_CONTROLLERS).join(',')}`,
    '--leader-elect=false',
    // All controllers act as the controller manager's own user (in system:masters), not per-controller
    // service accounts: fewer moving parts, faster start.
    '--use-service-account-credentials=false',
    // No HTTPS endpoint: nothing to collide with, nothing to secure. Readiness is observed through the API.
    '--secure-port=0',
    `--service-account-private-key-file=${l.saPrivateKey}`,
    `--root-ca-file=${l.servingCert}`,
    '--profiling=false',
  ];
}

export function schedulerArgs(l: Layout): string[] {
  return [
    `--kubeconfig=${l.schedulerKubeconfig}`,
    '--leader-elect=false',
    // No HTTPS endpoint, as for the controller manager; readiness is observed through the API.
    '--secure-port=0',
    '--profiling=false',
  ];
}

/** The annotation that marks a Node as fake: kwok manages exactly these (`--manage-nodes-with-annotation-selector`). */
export const FAKE_NODE_ANNOTATION = { key: 'kwok.x-k8s.io/node', value: 'fake' } as const;

/** The KWOK Stages (node and pod lifecycles) kwok plays, read from the repo: configuration, not code. */
export const KWOK_STAGE_FILES = [
  join(dirname(fileURLToPath(import.meta.url)), 'kwok', 'node-stages.yaml'),
  join(dirname(fileURLToPath(import.meta.url)), 'kwok', 'pod-stages.yaml'),
  join(dirname(fileURLToPath(import.meta.url)), 'kwok', 'volume-stages.yaml'),
] as const;

/** The default StorageClass of a plane with workloads; kwok provisions its volumes (volume-stages.yaml). */
export const STORAGE_CLASS = { name: 'standard', provisioner: 'kwok.x-k8s.io/volume' } as const;

/** Pod IPs handed out by kwok: apart from SERVICE_CIDR, so a pod IP never looks like a ClusterIP. */
export const POD_CIDR = '10.244.0.0/16';

export function kwokArgs(l: Layout): string[] {
  return [
    `--kubeconfig=${l.kwokKubeconfig}`,
    // Stages from our files; without --enable-crds=Stage no Stage CRD is installed or watched.
    ...KWOK_STAGE_FILES.map((file) => `--config=${file}`),
    '--manage-all-nodes=false',
    `--manage-nodes-with-annotation-selector=${FAKE_NODE_ANNOTATION.key}=${FAKE_NODE_ANNOTATION.value}`,
    // Each node gets a Lease in kube-node-lease, renewed every 10 s (a quarter of it), as a kubelet does.
    '--node-lease-duration-seconds=40',
    `--cidr=${POD_CIDR}`,
  ];
}
