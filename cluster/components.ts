// Command-line flags of etcd, kube-apiserver and kube-controller-manager for a loopback control plane.
import { join } from 'node:path';

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
 * The controllers kube-controller-manager runs: garbage collection (ownerReference cascading) and namespace
 * deletion are the point; the service-account ones create each namespace's `default` ServiceAccount and the
 * `kube-root-ca.crt` ConfigMap that real clusters have; clusterrole aggregation fills the `admin`/`edit`/`view`
 * roles. Everything that manages pods or nodes is left out: there is no kubelet.
 */
export const CONTROLLERS = [
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

export function controllerManagerArgs(l: Layout): string[] {
  return [
    `--kubeconfig=${l.controllerManagerKubeconfig}`,
    `--controllers=${CONTROLLERS.join(',')}`,
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
