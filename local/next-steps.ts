// The block `npm start` prints once everything runs: where things are, and what to try next.

export interface NextStepsInput {
  /** The kubeconfig file, or a KUBECONFIG list of files. */
  kubeconfigPath: string;
  /** The context given with --context: kubectl needs it too. */
  context?: string;
  /** True when npm start runs the control plane (it goes away on exit). */
  embedded: boolean;
  /** The embedded cluster's fake nodes (empty for a given cluster). */
  nodes: readonly string[];
  metricsUrl: string;
  /** The live page of reconciles (local/live). */
  livePageUrl: string;
  workerUrl: string;
  logFile: string;
  /** wrangler dev's output, the worker's own logs. */
  workerLogFile: string;
  namespace: string;
  /** `Kind namespace/name` of the samples applied. */
  samples: readonly string[];
}

function firstOf(samples: readonly string[], kind: string): string | undefined {
  return samples.find((s) => s.startsWith(`${kind} `))?.split('/')[1];
}

export function nextSteps(i: NextStepsInput): string {
  const ns = i.namespace;
  const kubectl = i.context !== undefined ? `kubectl --context ${i.context}` : 'kubectl';
  const website = firstOf(i.samples, 'Website');
  const database = firstOf(i.samples, 'Database');
  const tries = [
    `${kubectl} -n ${ns} get websites,databases,deployments,statefulsets,pods,services`,
    ...(website !== undefined
      ? [
          `${kubectl} -n ${ns} patch website ${website} --type=merge -p '{"spec":{"replicas":3}}'`,
          `${kubectl} -n ${ns} get website ${website} -w   # READY follows the Pods, no polling`,
        ]
      : []),
    ...(database !== undefined
      ? [
          `${kubectl} -n ${ns} delete pod ${database}-1   # the Database goes 2/3, then 3/3 with its replacement`,
          `${kubectl} -n ${ns} patch database ${database} --type=merge -p '{"spec":{"members":5}}'`,
          `${kubectl} -n ${ns} get database ${database} -o jsonpath='{.status}'`,
        ]
      : []),
    `${kubectl} -n ${ns} get events --sort-by=.lastTimestamp`,
    `curl -s ${i.metricsUrl} | grep '^zeroloop_reconciles_total'`,
    `curl -s ${i.workerUrl}/healthz`,
  ];
  return [
    '',
    `zeroloop is running${i.embedded ? ' on a local control plane (it goes away on exit)' : ''}.`,
    `  export KUBECONFIG=${i.kubeconfigPath}`,
    `  live page:     ${i.livePageUrl}`,
    `  relay metrics: ${i.metricsUrl}`,
    `  worker:        ${i.workerUrl}`,
    `  JSON logs:     ${i.logFile}`,
    `  worker log:    ${i.workerLogFile}`,
    '',
    'Try, in another terminal (after the export above; kubectl may need installing,',
    'e.g. `sudo apt-get install kubectl` or https://kubernetes.io/docs/tasks/tools/):',
    ...tries.map((t) => `  ${t}`),
    '',
    i.embedded
      ? `The example reconcilers watch every namespace of this cluster; its fake nodes (KWOK: ${i.nodes.join(', ')}) run the Pods.`
      : `The example reconcilers watch only namespace ${ns} (a cluster you gave: other namespaces are left alone).`,
    '',
    'Reconciles (time, primary, trigger, duration, outcome); Ctrl-C stops everything:',
  ].join('\n');
}
