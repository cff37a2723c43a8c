// Runs every benchmark in turn (`npm run bench`), each writing its figures to bench/results/.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../relay/observe/log.ts';

/** Cheapest first, so a failure shows early; each entry is a file in bench/. */
const BENCHMARKS = [
  'build',
  'reconcile-node',
  'replay',
  'worker',
  'hooks',
  'hooks-relay',
  'go',
  'controlplane',
  'relay-image',
  'kubeconfig',
  'image',
  'project',
  'relay-snapshot',
  'relay-related',
  'watcher',
  'dev-build',
  'dev-loop',
  'shutdown',
  'relay',
  'relay-memory',
  'relay-cpu',
  'metrics',
  'logger',
  'leader-takeover',
  'scale',
  // kinds before compare: compare's results end with the N-Reconcilers curve kinds just wrote.
  'kinds',
  'compare',
] as const;

/** Names select benchmarks; `--flags` (e.g. `--quick`) are passed on to each selected one. */
const args = process.argv.slice(2);
const only = args.filter((a) => !a.startsWith('--'));
const flags = args.filter((a) => a.startsWith('--'));
const unknown = only.filter((name) => !(BENCHMARKS as readonly string[]).includes(name));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; choose from ${BENCHMARKS.join(', ')}`);
  process.exit(2);
}
const selected = only.length > 0 ? BENCHMARKS.filter((name) => only.includes(name)) : BENCHMARKS;
const root = fileURLToPath(new URL('..', import.meta.url));
const log = createLogger({}, { component: 'bench' });

// The component benchmarks read build/; build it once, incrementally, before any of them.
const build = spawnSync('npm', ['run', '--silent', 'build:reconcilers'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const failed: string[] = [];
for (const [i, name] of selected.entries()) {
  const started = Date.now();
  log.info('bench.start', { bench: name, step: `${i + 1}/${selected.length}` });
  const run = spawnSync(process.execPath, [`bench/${name}.ts`, ...flags], { cwd: root, stdio: 'inherit' });
  const ok = run.status === 0;
  if (!ok) failed.push(name);
  log.info(ok ? 'bench.done' : 'bench.failed', {
    bench: name,
    seconds: Math.round((Date.now() - started) / 1000),
  });
}
log.info('bench.summary', { ran: selected.length, failed, results: 'bench/results/' });
process.exit(failed.length > 0 ? 1 : 0);
