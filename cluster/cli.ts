// `npm run cluster [-- --nodes N]`: starts a local control plane with workloads, prints how to use it, runs until Ctrl-C.
import { parseArgs } from 'node:util';
import { startControlPlane } from './controlplane.ts';
import { DEFAULT_NODES } from './nodes.ts';
import { errorMessage } from '../src/error-message.ts';
import { stderrLogger } from '../relay/observe/log.ts';

const log = stderrLogger('cluster');
try {
  const { values } = parseArgs({
    options: { nodes: { type: 'string', default: String(DEFAULT_NODES) } },
    strict: true,
  });
  // A non-number becomes NaN, which startControlPlane refuses with a typed error naming the option.
  const plane = await startControlPlane({ logger: log, workloads: true, nodes: Number(values.nodes) });
  // Keep the event loop alive: the children are unref'd so tests can never hang on them.
  setInterval(() => undefined, 1 << 30);
  process.stdout.write(
    [
      `# Kubernetes ${plane.version} is up at ${plane.server} with ${String(plane.nodes.length)} fake nodes (kwok)`,
      `# (logs: ${plane.dir}/logs). Ctrl-C stops it.`,
      `export KUBECONFIG=${plane.kubeconfigPath}`,
      '',
    ].join('\n'),
  );
  // SIGINT/SIGTERM/SIGHUP are handled by the reaper: it stops the plane, removes the temp dir and exits.
  // A component dying on its own ends the command too (its log tail was printed): a half cluster is useless.
  const crash = await plane.crashed;
  await plane.stop();
  log.error('cluster.crashed', { ...crash });
  process.exit(1);
} catch (error) {
  log.error('cluster.failed', { error: errorMessage(error) });
  process.exit(1);
}
