// The block `npm start` prints once everything runs: where things are, and what to try next.

export interface NextStepsInput {
  kubeconfigPath: string;
  /** True when npm start runs the control plane (it goes away on exit). */
  embedded: boolean;
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
  const website = firstOf(i.samples, 'Website');
  const database = firstOf(i.samples, 'Database');
  const tries = [
    `kubectl -n ${ns} get websites,databases,deployments,statefulsets,services,configmaps`,
    ...(website !== undefined
      ? [`kubectl -n ${ns} patch website ${website} --type=merge -p '{"spec":{"replicas":3}}'`]
      : []),
    ...(database !== undefined
      ? [
          `kubectl -n ${ns} patch database ${database} --type=merge -p '{"spec":{"members":5}}'`,
          `kubectl -n ${ns} get database ${database} -o jsonpath='{.status}'`,
        ]
      : []),
    `kubectl -n ${ns} get events --sort-by=.lastTimestamp`,
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
    'Reconciles (time, primary, trigger, duration, outcome); Ctrl-C stops everything:',
  ].join('\n');
}
