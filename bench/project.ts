// Benchmark: a team's first hour — create a project, install from the tarballs, scaffold, `zeroloop dev` until the sample is Ready.
//
// `npm run bench -- project`. Each round, in a fresh folder outside the repository: create-zeroloop, `npm
// install` of zeroloop's tarballs (the rest from the npm cache, as on a machine that has installed before),
// `zeroloop new greeting`, then `zeroloop dev greeting`, which starts its own local control plane (the
// binaries cached in ~/.cache/zeroloop), until Greeting `example` is Ready. Then `zeroloop deploy --dry-run`
// for the bundle's size, and the installed size of node_modules. Writes bench/results/project.json.
import { execFile } from 'node:child_process';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  inProject,
  installFromTarballs,
  outsideFolder,
  packRelease,
  startInProject,
} from '../test/support/project.ts';
import { median } from './stats.ts';
import { createLogger } from '../relay/observe/log.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ROUNDS = process.argv.includes('--quick') ? 1 : 3;
const log = createLogger({}, { component: 'bench.project' });

async function bytesUnder(dir: string): Promise<number> {
  const { stdout } = await run('du', ['-sb', dir]);
  return Number(stdout.split('\t')[0]);
}

/** The largest top-level packages of a node_modules folder (scopes opened), by installed bytes. */
async function largestPackages(
  nodeModules: string,
  count: number,
): Promise<{ name: string; bytes: number }[]> {
  const names: string[] = [];
  for (const entry of await readdir(nodeModules)) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@'))
      for (const inner of await readdir(join(nodeModules, entry))) names.push(`${entry}/${inner}`);
    else names.push(entry);
  }
  const sized = [];
  for (const name of names)
    if ((await stat(join(nodeModules, name))).isDirectory())
      sized.push({ name, bytes: await bytesUnder(join(nodeModules, name)) });
  return sized.sort((a, b) => b.bytes - a.bytes).slice(0, count);
}

const folder = await outsideFolder();
const rounds: Record<string, number>[] = [];
let bundle: { modules: number; gzipKiB: number } | undefined;
let installed: { bytes: number; largest: { name: string; bytes: number }[] } | undefined;
try {
  log.info('project.pack');
  const release = await packRelease(join(folder.dir, 'tarballs'));
  for (let round = 1; round <= ROUNDS; round++) {
    const dir = join(folder.dir, `round-${String(round)}`);
    await mkdir(dir);
    const project = join(dir, 'team-reconcilers');
    const started = performance.now();
    const times: Record<string, number> = {};
    const step = async (name: string, fn: () => Promise<{ code: number; stderr: string }>) => {
      const t0 = performance.now();
      const result = await fn();
      if (result.code !== 0) throw new Error(`${name} failed: ${result.stderr.slice(0, 2000)}`);
      times[name] = Math.round(performance.now() - t0);
      log.info('project.step', { round, step: name, ms: times[name] });
    };
    await step('create', () =>
      inProject(dir, 'npm', [
        'exec',
        '--yes',
        `--package=${release.tarball('create-zeroloop')}`,
        '--',
        'create-zeroloop',
        'team-reconcilers',
      ]),
    );
    await step('install', () => installFromTarballs(project, release));
    await step('new', () => inProject(project, 'npx', ['zeroloop', 'new', 'greeting']));
    const t0 = performance.now();
    const dev = startInProject(project, 'npx', ['zeroloop', 'dev', 'greeting']);
    try {
      // The relay's reconcile line that writes the sample's status: the one after the reconcile that
      // applied the ConfigMap (which leaves the status owed until the children are seen).
      await dev.line(/Greeting \S+\/example .*ok: applied \d+, pruned \d+, status written/, 600_000);
      times.dev = Math.round(performance.now() - t0);
      times.total = Math.round(performance.now() - started);
      log.info('project.converged', { round, ...times });
    } finally {
      await dev.interrupt();
    }
    if (bundle === undefined) {
      const deployed = await inProject(project, 'npx', ['zeroloop', 'deploy', '--dry-run']);
      const match = /worker bundle \S+: (\d+) modules, .*\(([\d.]+) KiB gzip/.exec(deployed.stdout);
      bundle = { modules: Number(match?.[1] ?? 0), gzipKiB: Number(match?.[2] ?? 0) };
      const nodeModules = join(project, 'node_modules');
      installed = { bytes: await bytesUnder(nodeModules), largest: await largestPackages(nodeModules, 8) };
    }
    rounds.push(times);
  }
} finally {
  await folder.remove();
}

const summary = {
  rounds: rounds.length,
  medianMs: Object.fromEntries(
    ['create', 'install', 'new', 'dev', 'total'].map((k) => [k, median(rounds.map((r) => r[k] ?? 0))]),
  ),
  goalTotalMs: 180_000,
};
const results = {
  benchmark: 'project',
  date: new Date().toISOString(),
  what: 'create-zeroloop → npm install (tarballs, npm cache warm) → zeroloop new → zeroloop dev (own control plane, binaries cached) until the sample is Ready',
  summary,
  rounds,
  bundle,
  installed,
};
await mkdir(join(ROOT, 'bench', 'results'), { recursive: true });
await writeFile(join(ROOT, 'bench', 'results', 'project.json'), JSON.stringify(results, null, 2) + '\n');
log.info('project.done', { ...summary.medianMs, bundle, installedBytes: installed?.bytes });
