// Parses `npm start -- [options]` into StartOptions; bad input gets a clear error and the usage text.
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../reconcilers/pipeline/paths.ts';
import { RECORD_ANNOTATION } from '../relay/record/recording.ts';
import { DNS_LABEL } from '../src/keys.ts';
import { errorMessage } from '../src/error-message.ts';

/** Where the relay records reconciles by default (git-ignored); `zeroloop record` lists them. */
export const RECORDINGS_DIR = join(PROJECT_ROOT, '.zeroloop', 'recordings');

export const USAGE = `Usage: npm start -- [options]

Runs zeroloop's main job locally: a Kubernetes control plane (real etcd, kube-apiserver,
kube-controller-manager and kube-scheduler on loopback, with 3 fake nodes played by KWOK so Pods run and
turn Ready), the worker in workerd (wrangler dev), the relay, and the example reconcilers with their
sample resources. Prints one line per reconcile. Ctrl-C stops everything.

On that local cluster the example reconcilers watch every namespace. On a cluster given with
--kubeconfig/$KUBECONFIG they watch only the demo namespace.

Options:
  --kubeconfig PATH   use this cluster instead of starting one (default: $KUBECONFIG, if set, its
                      files merged as kubectl merges them); the demo then watches only --namespace
  --context NAME      the kubeconfig context to use (default: its current-context)
  --namespace NAME    the demo namespace (default: zeroloop-demo)
  --keep              on a cluster given with --kubeconfig/$KUBECONFIG, leave the demo namespace and
                      Reconcilers in place on exit (default: delete them; CRDs always stay)
  --log-file PATH     where every JSON log line goes (default: $TMPDIR/zeroloop-start-<pid>.log);
                      wrangler dev's output goes beside it (<name>.worker.log)
  --verbose           also print every JSON log line (relay, control plane, build) to stderr
  --record-dir DIR    where the relay records the reconciles of primaries annotated
                      ${RECORD_ANNOTATION}: "true" (default: .zeroloop/recordings in the repository)
  --record-all        record every reconcile, annotated or not
  --watch NAME[,NAME] run only these reconcilers, rebuild one when its source is saved, reload the
                      worker and reconcile its primaries again (what \`npx zeroloop dev NAME\` runs)
  -h, --help          print this help

Without a kubeconfig the first run builds the control-plane binaries from Go modules (several minutes
on 2 cores; cached in ~/.cache/zeroloop afterwards).
`;

export interface StartOptions {
  /**
   * A cluster to use: the --kubeconfig file, or $KUBECONFIG's list of files (`a:b`, merged as kubectl
   * merges them); undefined starts the embedded control plane.
   */
  kubeconfig: string | undefined;
  /** True when `kubeconfig` came from --kubeconfig: one file, which must exist. */
  kubeconfigExplicit: boolean;
  /** --context: the kubeconfig context to use instead of its current-context. */
  context: string | undefined;
  namespace: string;
  keep: boolean;
  logFile: string;
  verbose: boolean;
  recordDir: string;
  recordAll: boolean;
  /** Reconcilers to run alone and rebuild on save; empty: every example, no watching. */
  watch: string[];
}

/** The command line is wrong; the message says how. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Parses argv (without node and script); returns 'help' for -h/--help. */
export function parseStartArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): StartOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        kubeconfig: { type: 'string' },
        context: { type: 'string' },
        namespace: { type: 'string', default: 'zeroloop-demo' },
        keep: { type: 'boolean', default: false },
        'log-file': { type: 'string' },
        verbose: { type: 'boolean', default: false },
        'record-dir': { type: 'string' },
        'record-all': { type: 'boolean', default: false },
        watch: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }
  if (values.help) return 'help';
  if (!DNS_LABEL.test(values.namespace)) {
    throw new UsageError(
      `--namespace ${values.namespace}: must be a lowercase DNS label, like zeroloop-demo`,
    );
  }
  const watch = (values.watch ?? []).flatMap((w) => w.split(',')).filter((w) => w !== '');
  const badName = watch.find((w) => !DNS_LABEL.test(w));
  if (badName !== undefined) throw new UsageError(`--watch ${badName}: a reconciler name, like website`);
  if (values.kubeconfig === '') throw new UsageError('--kubeconfig needs a path');
  if (values.context === '') throw new UsageError('--context needs a context name');
  // KUBECONFIG may list several files (a:b): kubectl merges them, and so does the relay.
  const fromEnv = env.KUBECONFIG?.split(delimiter)
    .filter((p) => p !== '')
    .map((p) => resolve(p));
  const kubeconfig =
    values.kubeconfig !== undefined
      ? resolve(values.kubeconfig)
      : fromEnv !== undefined && fromEnv.length > 0
        ? fromEnv.join(delimiter)
        : undefined;
  if (values.context !== undefined && kubeconfig === undefined)
    throw new UsageError(
      '--context picks a context of a kubeconfig: give --kubeconfig PATH or set KUBECONFIG',
    );
  return {
    kubeconfig,
    kubeconfigExplicit: values.kubeconfig !== undefined,
    context: values.context,
    namespace: values.namespace,
    keep: values.keep,
    logFile: resolve(values['log-file'] ?? join(tmpdir(), `zeroloop-start-${String(process.pid)}.log`)),
    verbose: values.verbose,
    recordDir: resolve(values['record-dir'] ?? RECORDINGS_DIR),
    recordAll: values['record-all'],
    watch,
  };
}
