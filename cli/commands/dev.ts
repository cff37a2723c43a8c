// `zeroloop dev [name…]`: `npm start` focused on these reconcilers, rebuilding one and reconciling its primaries again on save.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { discover } from '../../reconcilers/pipeline/manifest.ts';
import { MODULE_EXT, PROJECT_ROOT, TOOLKIT_ROOT } from '../../reconcilers/pipeline/paths.ts';
import { parseCommandArgs } from '../args.ts';
import { UsageError, type Command } from '../command.ts';

const USAGE = `usage: zeroloop dev [name…] [options]

\`npm start\` focused on these reconcilers (default: every one under reconcilers/): a local control plane
(or $KUBECONFIG), the worker in workerd, the relay, and only these reconcilers' CRDs, Reconcilers and
samples. When a file under reconcilers/<name>/src is saved it rebuilds that reconciler, waits for
wrangler to reload the worker, and reconciles all of its primaries again, printing the time from the
save to the first reconcile with the new build. A build error is printed and the old build keeps
running. The relay records annotated primaries for \`zeroloop replay\` (see \`zeroloop record --help\`).
Ctrl-C stops everything.

options (as for npm start):
  --kubeconfig PATH   use this cluster instead of starting one (default: $KUBECONFIG, if set, its
                      files merged as kubectl merges them)
  --context NAME      the kubeconfig context to use (default: its current-context)
  --namespace NAME    the namespace for the samples (default: zeroloop-demo)
  --keep              on a given cluster, leave the samples and Reconcilers in place on exit
  --log-file PATH     where every JSON log line goes
  --verbose           also print every JSON log line to stderr
  --record-dir DIR    where recordings go (default: .zeroloop/recordings)
  --record-all        record every reconcile, annotated or not

exit codes: 0 stopped with Ctrl-C, 1 failed to start (the message says why), 2 bad arguments
`;

export const devCommand: Command = {
  name: 'dev',
  summary: 'run reconcilers locally (cluster, worker, relay); rebuild and reconcile again on save',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, {
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
      namespace: { type: 'string' },
      keep: { type: 'boolean' },
      'log-file': { type: 'string' },
      verbose: { type: 'boolean' },
      'record-dir': { type: 'string' },
      'record-all': { type: 'boolean' },
    });
    const known = (await discover(PROJECT_ROOT))
      .filter((s) => s.group === 'examples')
      .map((s) => s.manifest.name);
    const unknown = positionals.filter((n) => !known.includes(n));
    if (unknown.length > 0)
      throw new UsageError(
        `no reconciler ${unknown.join(', ')} under reconcilers/: expected one of ${known.join(', ')} (or create it: npx zeroloop new <name>)`,
      );
    const names = positionals.length > 0 ? positionals : known;
    const passed = Object.entries(values).flatMap(([flag, value]) =>
      value === true ? [`--${flag}`] : typeof value === 'string' ? [`--${flag}`, value] : [],
    );
    const child = spawn(
      process.execPath,
      [join(TOOLKIT_ROOT, 'local', `start${MODULE_EXT}`), '--watch', names.join(','), ...passed],
      {
        stdio: 'inherit',
      },
    );
    // Ctrl-C reaches the child with the terminal's process group too; start.ts takes two SIGINTs
    // within a second as one. Forwarded, so that a parent that signals only this process stops it all.
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    const int = forward('SIGINT');
    const term = forward('SIGTERM');
    process.on('SIGINT', int);
    process.on('SIGTERM', term);
    try {
      return await new Promise<number>((resolve, reject) => {
        child.on('error', reject);
        child.on('exit', (code, signal) => {
          resolve(code ?? (signal === 'SIGINT' ? 130 : 1));
        });
      });
    } finally {
      process.off('SIGINT', int);
      process.off('SIGTERM', term);
    }
  },
};
