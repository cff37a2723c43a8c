// Picks the cluster for `npm start`: the one a kubeconfig names, or an embedded local control plane.
import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { ensureBinaries, startControlPlane } from '../cluster/index.ts';
import type { ControlPlane } from '../cluster/index.ts';
import type { Logger as ClusterLogger } from '../cluster/log.ts';

/** The kubeconfig cannot be used. */
export class KubeconfigUnusable extends Error {
  override readonly name = 'KubeconfigUnusable';
}

export interface LocalCluster {
  kubeConfig: KubeConfig;
  kubeconfigPath: string;
  server: string;
  /** The control plane we started, or undefined for a given cluster. */
  plane: ControlPlane | undefined;
}

export function fromKubeconfig(path: string): LocalCluster {
  if (!existsSync(path)) {
    throw new KubeconfigUnusable(
      `kubeconfig ${path} does not exist; unset KUBECONFIG to start a local cluster`,
    );
  }
  const kubeConfig = new KubeConfig();
  try {
    kubeConfig.loadFromFile(path);
  } catch (error) {
    throw new KubeconfigUnusable(
      `kubeconfig ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const server = kubeConfig.getCurrentCluster()?.server;
  if (server === undefined) throw new KubeconfigUnusable(`kubeconfig ${path} has no current context/cluster`);
  return { kubeConfig, kubeconfigPath: path, server, plane: undefined };
}

/**
 * Builds the binaries if needed (progress through `logger`), then starts the control plane. Signals are
 * left to the caller, which stops the relay and the worker before the plane.
 */
export async function embeddedCluster(logger: ClusterLogger): Promise<LocalCluster> {
  const binaries = await ensureBinaries({ logger });
  const plane = await startControlPlane({ logger, binaries, handleSignals: false });
  return { kubeConfig: plane.kubeConfig, kubeconfigPath: plane.kubeconfigPath, server: plane.server, plane };
}
