// Benchmark: one relay serving N Reconcilers against N controller-runtime operators, for N = 1, 2, 5, 10, on one control plane.
//
// A team runs many operators, not one: the fair comparison is one relay (and its worker) doing the work
// of N operators. For each N, on one control plane started once:
// 1. zeroloop: N fresh namespaces with a `worker-signing` Secret each; one Reconciler per namespace (the
//    website component, `namespaces: [that namespace]`, concurrency 8), all served by one relay as deployed
//    (the image's bundle with the Deployment's node flags) and the production worker bundle in plain workerd;
// 2. baseline: N fresh namespaces; N bench/baseline operators (`watch` mode, MaxConcurrentReconciles 8),
//    one per namespace.
// Each system gets the same burst: N × BENCH_KINDS_WEBSITES Websites created at once (50 creates in flight),
// measured until every Website has its ConfigMap, Deployment and a written status, then until the
// apiserver is quiet (compare's rule: a 5 s window under twice the rate of a no-controller reference,
// with room). Figures per system from /proc: RSS at the end of the burst and peak RSS (VmHWM) of each
// part (relay, workerd; the operators summed), CPU seconds over the burst, reconciles, failures, time to
// converge. The namespaces are deleted between runs.
// Writes bench/results/kinds.json and kinds.md.
// Run: npm run bench -- kinds   (or: node bench/kinds.ts, after npm run build:reconcilers)
// Env: BENCH_KINDS_N (comma list, default 1,2,5,10), BENCH_KINDS_WEBSITES (Websites per namespace, default 100).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlPlane } from '../cluster/index.ts';
import { loadKubeconfigFile } from '../relay/kube/rest-config.ts';
import { prepareNamespace } from '../test/support/relay-env.ts';
import { TestKube } from '../test/support/kube.ts';
import { apiserverCounter } from './baseline/apiserver.ts';
import { ensureBaseline } from './baseline/build.ts';
import { deployedRelay } from './baseline/deployed-relay.ts';
import { kindsJson, kindsMarkdown } from './baseline/kinds-report.ts';
import type { KindsPoint, KindsRun } from './baseline/kinds-report.ts';
import { deleteNamespace } from './baseline/namespace.ts';
import { ConvergenceObserver } from './baseline/observer.ts';
import {
  load1m,
  machineFigures,
  measureBurstOf,
  measureIdle,
  quietRequestsPer5s,
} from './baseline/phases.ts';
import type { BurstFigures, WebsiteRef } from './baseline/phases.ts';
import { combined, startBaseline, startZeroloop } from './baseline/systems.ts';
import type { RunningSystem } from './baseline/systems.ts';

/** Reconcile concurrency of every Reconciler and every operator, as in compare. */
const CONCURRENCY = 8;
const REFERENCE_SECONDS = 20;

const progress = (msg: string) =>
  process.stderr.write(`[bench:kinds] ${new Date().toISOString().slice(11, 19)} ${msg}\n`);

/** The env variable `name` as a comma list of positive integers (`fallback` when unset); exits 2 on anything else. */
function positiveInts(name: string, fallback: string, what: string): number[] {
  const raw = process.env[name] ?? fallback;
  const values = raw.split(',').map((s) => Number(s.trim()));
  if (values.some((v) => !Number.isInteger(v) || v < 1)) {
    progress(`${name}=${raw} is not ${what}; nothing was run`);
    process.exit(2);
  }
  return values;
}

const COUNTS = positiveInts('BENCH_KINDS_N', '1,2,5,10', 'a comma list of positive integers (e.g. 1,2,5,10)');
const [WEBSITES = 100, ...extra] = positiveInts('BENCH_KINDS_WEBSITES', '100', 'one positive integer');
if (extra.length > 0) {
  progress(`BENCH_KINDS_WEBSITES takes one number of Websites per namespace, not a list; nothing was run`);
  process.exit(2);
}
const results = new URL('./results/', import.meta.url);

const loadAtStart = load1m();
progress(`N = ${COUNTS.join(', ')}; ${WEBSITES} Websites per namespace; concurrency ${CONCURRENCY}`);
const binary = await ensureBaseline();
progress(`baseline operator: ${binary.path}`);
const relay = await deployedRelay();
const plane = await startControlPlane();
const kube = new TestKube(await loadKubeconfigFile(plane.kubeconfigPath));
const apiserver = apiserverCounter(plane);
const logDir = mkdtempSync(join(tmpdir(), 'zeroloop-kinds-'));
progress(`control plane ${plane.version} up; system logs in ${logDir}`);

type Side = 'zeroloop' | 'baseline';

/** The N operators, one per namespace; those started are stopped again if one fails to start. */
async function startOperators(namespaces: readonly string[], dir: string): Promise<RunningSystem> {
  const started: RunningSystem[] = [];
  try {
    for (const namespace of namespaces) {
      const operatorDir = join(dir, namespace);
      mkdirSync(operatorDir, { recursive: true });
      started.push(
        await startBaseline({
          plane,
          kube,
          namespace,
          concurrency: CONCURRENCY,
          logDir: operatorDir,
          binary: binary.path,
          mode: 'watch',
        }),
      );
    }
  } catch (error) {
    await Promise.all(started.map((s) => s.stop()));
    throw error;
  }
  return combined('baseline-watch', started);
}

/** One system against N fresh namespaces: start it, run the burst, stop it, delete the namespaces. */
async function run(side: Side, n: number, quietRequests: number): Promise<BurstFigures> {
  const tag = `${side === 'zeroloop' ? 'z' : 'b'}${n}`;
  const namespaces: string[] = [];
  for (let k = 0; k < n; k++) namespaces.push(await prepareNamespace(kube, `kinds-${tag}`));
  const dir = join(logDir, tag);
  mkdirSync(dir, { recursive: true });
  // One watch per kind over every namespace: the observer's own load does not grow with N.
  const observer = await ConvergenceObserver.start(kube, undefined);
  let system: RunningSystem | undefined;
  try {
    const [first = ''] = namespaces;
    system =
      side === 'zeroloop'
        ? await startZeroloop({
            plane,
            kube,
            namespace: first,
            namespaces,
            concurrency: CONCURRENCY,
            logDir: dir,
          })
        : await startOperators(namespaces, dir);
    progress(
      `N=${n} ${side} ready (${Object.entries(system.parts)
        .map(([p, pids]) => `${p} ${pids.join(',')}`)
        .join('; ')})`,
    );
    // Names differ across namespaces and runs: the observer sees every namespace and keys by name.
    const websites: WebsiteRef[] = namespaces.flatMap((namespace, k) =>
      Array.from({ length: WEBSITES }, (_, i) => ({ namespace, name: `${tag}-${k}-${i}` })),
    );
    const burst = await measureBurstOf(
      { kube, observer, apiserver, progress: (m) => progress(`N=${n} ${side}: ${m}`) },
      system,
      websites,
      quietRequests,
    );
    const parts = Object.entries(burst.parts)
      .map(([p, s]) => `${p} ${s.rssMiB} MiB (peak ${s.peakRssMiB}), ${s.cpuSeconds} s CPU`)
      .join('; ');
    progress(
      `N=${n} ${side}: ${burst.converged ? 'converged' : 'NOT converged'} in ${burst.convergeMs} ms, ` +
        `${burst.reconcilesToSettle} reconciles (${burst.failedReconciles} failed); ${parts}`,
    );
    return burst;
  } finally {
    await system?.stop();
    await observer.stop();
    await Promise.all(namespaces.map((ns) => deleteNamespace(kube, ns, progress)));
  }
}

try {
  const reference = await measureIdle({ apiserver, progress }, undefined, REFERENCE_SECONDS);
  const quietRequests = quietRequestsPer5s(reference);
  progress(
    `reference: ${reference.apiserverRequests} apiserver requests in ${reference.seconds} s with no controller; quiet = ≤ ${quietRequests} per 5 s`,
  );
  const points: KindsPoint[] = [];
  for (const n of COUNTS) {
    const loadavg1mAtStart = load1m();
    const zeroloop = await run('zeroloop', n, quietRequests);
    const baseline = await run('baseline', n, quietRequests);
    points.push({ n, websitesPerNamespace: WEBSITES, loadavg1mAtStart, zeroloop, baseline });
  }
  const env = [
    process.env.BENCH_KINDS_N ? `BENCH_KINDS_N=${process.env.BENCH_KINDS_N} ` : '',
    process.env.BENCH_KINDS_WEBSITES ? `BENCH_KINDS_WEBSITES=${process.env.BENCH_KINDS_WEBSITES} ` : '',
  ].join('');
  const report: KindsRun = {
    date: new Date().toISOString(),
    command: `${env}npm run bench -- kinds`,
    machine: machineFigures(loadAtStart),
    setup: {
      controlPlane: plane.version,
      counts: COUNTS,
      websitesPerNamespace: WEBSITES,
      concurrency: CONCURRENCY,
      burstCreatesInFlight: 50,
      website: 'spec.html set (ConfigMap + Deployment), expose: false (no Service)',
      zeroloop: `one relay as deployed (${relay.what}) with N Reconcilers (website, one namespace each) + the production worker bundle (website component, QuickJS) in plain workerd`,
      baseline: `N bench/baseline operators (controller-runtime v0.23, watch mode, one namespace each), ${binary.path}`,
    },
    reference,
    quietRequestsPer5s: quietRequests,
    points,
  };
  writeFileSync(new URL('kinds.json', results), `${JSON.stringify(kindsJson(report), null, 2)}\n`);
  writeFileSync(new URL('kinds.md', results), kindsMarkdown(report));
  process.stdout.write(kindsMarkdown(report));
  // The baseline's failures are its status conflicts (a stale cached Website), retried as designed.
  const bad = points.flatMap((p) =>
    (['zeroloop', 'baseline'] as const)
      .filter((side) => !p[side].converged || (side === 'zeroloop' && p[side].failedReconciles > 0))
      .map((side) => `N=${p.n} ${side}`),
  );
  if (bad.length > 0) progress(`WARNING: failed reconciles or Websites not converged: ${bad.join(', ')}`);
  // Figures from a burst that did not converge are not comparable: say so with the exit code.
  if (points.some((p) => !p.zeroloop.converged || !p.baseline.converged)) process.exitCode = 1;
} finally {
  await apiserver.close();
  await plane.stop();
}
