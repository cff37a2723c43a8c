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
  /** The namespace the samples were applied to (--namespace). */
  namespace: string;
  /** `Kind namespace/name` of the samples applied. */
  samples: readonly string[];
  /** The running reconcilers' primary kinds with their resource names (plurals, from discovery of their CRDs). */
  primaries: readonly { kind: string; plural: string }[];
  /** The resource names (plurals) of the kinds they own, from discovery. */
  owned: readonly string[];
  /** Whether the reconcilers watch every namespace (the embedded cluster) or only `namespace`. */
  allNamespaces: boolean;
  /** The demo hook (local/hooks.ts) and its URL, once the relay wrote it. */
  hook?: { reconciler: string; hook: string; url: string };
}

function firstOf(samples: readonly string[], kind: string): string | undefined {
  return samples.find((s) => s.startsWith(`${kind} `))?.split('/')[1];
}

/** The namespace the samples are in (the one to look at), else the one given. */
function samplesNamespace(i: NextStepsInput): string {
  const first = i.samples[0]?.split(' ')[1]?.split('/')[0];
  return first !== undefined && first !== '' ? first : i.namespace;
}

export function nextSteps(i: NextStepsInput): string {
  const ns = samplesNamespace(i);
  const kubectl = i.context !== undefined ? `kubectl --context ${i.context}` : 'kubectl';
  const website = firstOf(i.samples, 'Website');
  const database = firstOf(i.samples, 'Database');
  const resources = [...new Set([...i.primaries.map((p) => p.plural), ...i.owned, 'pods'])];
  const plurals = i.primaries.map((p) => p.plural).join(',');
  // Each other primary with a sample: follow it (the examples have their own lines below).
  const others = i.primaries.flatMap((p) => {
    const sample = p.kind === 'Website' || p.kind === 'Database' ? undefined : firstOf(i.samples, p.kind);
    return sample === undefined ? [] : [`${kubectl} -n ${ns} get ${p.plural} ${sample} -o yaml -w`];
  });
  const tries = [
    `${kubectl} -n ${ns} get ${resources.join(',')}`,
    ...(i.allNamespaces && plurals !== ''
      ? [`${kubectl} get ${plurals} --all-namespaces   # every namespace is watched`]
      : []),
    ...others,
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
    ...(i.hook
      ? [
          `npx zeroloop hook ${i.hook.reconciler} ${i.hook.hook} --send${i.context !== undefined ? ` --context ${i.context}` : ''}   # a signed test delivery: every Website reconciles, trigger external`,
        ]
      : []),
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
    ...(i.hook
      ? [`  hook:          ${i.hook.url}   (${i.hook.reconciler}, hook ${i.hook.hook}; README, Triggers)`]
      : []),
    `  JSON logs:     ${i.logFile}`,
    `  worker log:    ${i.workerLogFile}`,
    '',
    'Try, in another terminal (after the export above; kubectl may need installing,',
    'e.g. `sudo apt-get install kubectl` or https://kubernetes.io/docs/tasks/tools/):',
    ...tries.map((t) => `  ${t}`),
    '',
    (i.allNamespaces
      ? `The reconcilers watch every namespace of this cluster (samples in ${ns})`
      : `The reconcilers watch only namespace ${i.namespace} (a cluster you gave: other namespaces are left alone)`) +
      (i.embedded ? `; its fake nodes (KWOK: ${i.nodes.join(', ')}) run the Pods.` : '.'),
    '',
    'Reconciles (time, primary, trigger, duration, outcome); Ctrl-C stops everything:',
  ].join('\n');
}
