// Picks the cluster for `npm start`: the one a kubeconfig names, or an embedded local control plane.
import { existsSync } from 'node:fs';
import { ensureBinaries, startControlPlane } from '../cluster/index.ts';
import type { ControlPlane } from '../cluster/index.ts';
import type { Logger as ClusterLogger } from '../cluster/log.ts';
import type { RestConfig } from '../relay/kube/rest-config.ts';
import { loadKubeconfigFile } from '../relay/kube/rest-config.ts';

/** The kubeconfig cannot be used. */
export class KubeconfigUnusable extends Error {
  override readonly name = 'KubeconfigUnusable';
}

export interface LocalCluster {
  restConfig: RestConfig;
  kubeconfigPath: string;
  server: string;
  /** The control plane we started, or undefined for a given cluster. */
  plane: ControlPlane | undefined;
}

export async function fromKubeconfig(path: string): Promise<LocalCluster> {
  if (!existsSync(path)) {
    throw new KubeconfigUnusable(
      `kubeconfig ${path} does not exist; unset KUBECONFIG to start a local cluster`,
    );
  }
  let restConfig: RestConfig;
  try {
    restConfig = await loadKubeconfigFile(path);
  } catch (error) {
    throw new KubeconfigUnusable(
      `kubeconfig ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return { restConfig, kubeconfigPath: path, server: restConfig.server, plane: undefined };
}

/**
 * Builds the binaries if needed (progress through `logger`), then starts the control plane with workloads
 * (scheduler, kwok, fake nodes: the samples' Pods run and turn Ready). Signals are left to the caller,
 * which stops the relay and the worker before the plane.
 */
export async function embeddedCluster(logger: ClusterLogger): Promise<LocalCluster> {
  const binaries = await ensureBinaries({ logger });
  const plane = await startControlPlane({ logger, binaries, handleSignals: false, workloads: true });
  const restConfig = await loadKubeconfigFile(plane.kubeconfigPath);
  return { restConfig, kubeconfigPath: plane.kubeconfigPath, server: plane.server, plane };
}
