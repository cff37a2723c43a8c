// Gives e2e tests one real control plane per test run (global setup) or, failing that, per test process.
//
// Why this shape: a control plane costs a few seconds and ~400 MB to start, so tests share one.
// Node 24's `node --test --test-global-setup=test/support/cluster-global-setup.ts` runs that module once in the
// runner process, before any test file: it starts the control plane and exports ZEROLOOP_KUBECONFIG, which
// every test-file subprocess inherits (checked on Node 24.21). `npm test` and `npm run test:e2e` use it.
// When a test file runs without it (`node --test test/e2e/x.test.ts`), sharedControlPlane() starts one for
// this process and stops it when the process is about to exit.
// Tests never read KUBECONFIG: a developer's real cluster must not receive test traffic.
import { KubeConfig } from '@kubernetes/client-node';
import { startControlPlane } from '../../cluster/index.ts';
import type { RestConfig } from '../../relay/kube/rest-config.ts';
import { loadKubeconfigFile } from '../../relay/kube/rest-config.ts';

/** The environment variable carrying the shared control plane's kubeconfig path. */
export const SHARED_KUBECONFIG_ENV = 'ZEROLOOP_KUBECONFIG';

export interface SharedControlPlane {
  readonly kubeconfigPath: string;
  /** How to reach it, for the relay's KubeClient (relay/kube/client.ts), which every e2e test uses. */
  readonly restConfig: RestConfig;
  /** A fresh client-node KubeConfig, for the tests that exercise the cluster through client-node itself. */
  readonly kubeConfig: KubeConfig;
  readonly server: string;
}

let own: Promise<{ kubeconfigPath: string; server: string }> | undefined;

/** The control plane for this test run; started on first use if no global setup provided one. */
export async function sharedControlPlane(): Promise<SharedControlPlane> {
  const fromSetup = process.env[SHARED_KUBECONFIG_ENV];
  const { kubeconfigPath } =
    fromSetup !== undefined && fromSetup !== '' ? { kubeconfigPath: fromSetup } : await ownPlane();
  return controlPlaneAt(kubeconfigPath);
}

/** How to reach the control plane whose admin kubeconfig is at `kubeconfigPath` (e.g. a test's private one). */
export async function controlPlaneAt(kubeconfigPath: string): Promise<SharedControlPlane> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  const restConfig = await loadKubeconfigFile(kubeconfigPath);
  return { kubeconfigPath, restConfig, kubeConfig, server: restConfig.server };
}

function ownPlane(): Promise<{ kubeconfigPath: string; server: string }> {
  own ??= startControlPlane().then((plane) => {
    // Graceful stop once the tests are done and the event loop drains (the children are unref'd, so
    // they do not keep it alive). If the process dies another way, the reaper's exit hook kills them.
    let stopping = false;
    process.on('beforeExit', () => {
      if (stopping) return;
      stopping = true;
      void plane.stop();
    });
    return { kubeconfigPath: plane.kubeconfigPath, server: plane.server };
  });
  return own;
}
