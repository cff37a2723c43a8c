// The relay's entry point: loads the kubeconfig, starts the relay, stops it gracefully on SIGTERM/SIGINT.
import { KubeConfig } from '@kubernetes/client-node';
import { createLogger, parseLevel } from './observe/log.ts';
import { startRelay } from './relay.ts';

const log = createLogger({ level: parseLevel(process.env.LOG_LEVEL) });
const kubeConfig = new KubeConfig();
// In a Pod: the service account; elsewhere: $KUBECONFIG or ~/.kube/config.
if (process.env.KUBERNETES_SERVICE_HOST && !process.env.KUBECONFIG) kubeConfig.loadFromCluster();
else kubeConfig.loadFromDefault();

const port = Number(process.env.METRICS_PORT ?? '9090');
const deadlineMs = Number(process.env.SHUTDOWN_DEADLINE_MS ?? '20000');
const relay = await startRelay({
  kubeConfig,
  metricsPort: Number.isInteger(port) && port >= 0 ? port : 9090,
  metricsHost: process.env.METRICS_HOST ?? '0.0.0.0',
  log,
  ...(process.env.RECONCILER_SELECTOR ? { reconcilerSelector: process.env.RECONCILER_SELECTOR } : {}),
});

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal, deadlineMs });
    relay.stop(deadlineMs).then(
      () => process.exit(0),
      (error: unknown) => {
        log.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  });
}
