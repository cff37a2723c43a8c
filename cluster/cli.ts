// `npm run cluster`: starts a local control plane, prints how to use it, and keeps it up until Ctrl-C.
import { startControlPlane } from './controlplane.ts';
import { createLogger } from './log.ts';

const log = createLogger('cluster');
try {
  const plane = await startControlPlane({ logger: log });
  // Keep the event loop alive: the children are unref'd so tests can never hang on them.
  setInterval(() => undefined, 1 << 30);
  process.stdout.write(
    [
      `# Kubernetes ${plane.version} is up at ${plane.server} (logs: ${plane.dir}/logs). Ctrl-C stops it.`,
      `export KUBECONFIG=${plane.kubeconfigPath}`,
      '',
    ].join('\n'),
  );
  // SIGINT/SIGTERM/SIGHUP are handled by the reaper: it stops the plane, removes the temp dir and exits.
  // A component dying on its own ends the command too (its log tail was printed): a half cluster is useless.
  const crash = await plane.crashed;
  await plane.stop();
  log('error', 'cluster.crashed', { ...crash });
  process.exit(1);
} catch (error) {
  log('error', 'cluster.failed', { error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
}
