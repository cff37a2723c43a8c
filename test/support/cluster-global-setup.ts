// node:test global setup (`--test-global-setup`): one control plane for the whole test run, shared via env.
import { startControlPlane } from '../../cluster/index.ts';
import type { ControlPlane } from '../../cluster/index.ts';
import { SHARED_KUBECONFIG_ENV } from './cluster.ts';

let plane: ControlPlane | undefined;

export async function globalSetup(): Promise<void> {
  plane = await startControlPlane();
  // Test files run as subprocesses of the runner and inherit this.
  process.env[SHARED_KUBECONFIG_ENV] = plane.kubeconfigPath;
}

export async function globalTeardown(): Promise<void> {
  await plane?.stop();
}
