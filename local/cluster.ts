// Picks the cluster for `npm start`: the one a kubeconfig names, or an embedded local control plane.
import { existsSync } from 'node:fs';
import { ensureBinaries, startControlPlane } from '../cluster/index.ts';
import type { ControlPlane } from '../cluster/index.ts';
import type { KubeconfigOptions, RestConfig } from '../relay/kube/rest-config.ts';
import { loadKubeconfigFile, loadKubeconfigList } from '../relay/kube/rest-config.ts';
import { errorMessage } from '../src/error-message.ts';
import type { Logger } from '../relay/observe/log.ts';

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

/**
 * The cluster of a kubeconfig, read by kubectl's rules: `explicit` (--kubeconfig) is one file, else
 * `path` is a KUBECONFIG list whose files are merged; `options.context` picks a context. An exec
 * plugin runs once here, so a broken one fails before anything starts.
 */
export async function fromKubeconfig(
  path: string,
  options: KubeconfigOptions & { explicit?: boolean } = {},
): Promise<LocalCluster> {
  const { explicit = true, ...kubeconfig } = options;
  if (explicit && !existsSync(path)) {
    throw new KubeconfigUnusable(
      `kubeconfig ${path} does not exist; unset KUBECONFIG to start a local cluster`,
    );
  }
  let restConfig: RestConfig;
  try {
    restConfig = explicit
      ? await loadKubeconfigFile(path, kubeconfig)
      : await loadKubeconfigList(path, kubeconfig);
  } catch (error) {
    throw new KubeconfigUnusable(`kubeconfig ${path}: ${errorMessage(error)}`, { cause: error });
  }
  return { restConfig, kubeconfigPath: path, server: restConfig.server, plane: undefined };
}

/**
 * Builds the binaries if needed (progress through `logger`), then starts the control plane with workloads
 * (scheduler, kwok, fake nodes: the samples' Pods run and turn Ready). Signals are left to the caller,
 * which stops the relay and the worker before the plane.
 */
export async function embeddedCluster(logger: Logger): Promise<LocalCluster> {
  const binaries = await ensureBinaries({ logger });
  const plane = await startControlPlane({ logger, binaries, handleSignals: false, workloads: true });
  const restConfig = await loadKubeconfigFile(plane.kubeconfigPath);
  return { restConfig, kubeconfigPath: plane.kubeconfigPath, server: plane.server, plane };
}
