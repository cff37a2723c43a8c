// Benchmark: zeroloop against a controller-runtime operator (watch and percona modes) and a bare client's floor, side by side on one control plane.
//
// The plane runs workloads, as users' clusters do (BENCH_WORKLOADS=0: the light plane of results before
// that, with no Deployment controller, so no Deployment ever gets a status and no Website becomes Ready):
// kube-controller-manager's default controllers, kube-scheduler and kwok with 3 fake nodes. Each Deployment
// gets a ReplicaSet and a Pod that turns Running and Ready, and its status wakes every controller the same
// way. 3 nodes: kwok's nodes take 1,000 Pods each (cluster/kwok/node-stages.yaml) and the burst's 1,000 Pods
// meet the idle set's, the sequential phase's still being deleted and the last system's namespace still
// terminating; 3 is the plane's default and bench:scale's, and each more node only adds a Lease renewal
// every 10 s. Replicas: the Websites name none, so 1 (the CRD's and both reconcilers' default, what a user
// gets). Fewer would not be cheaper: the Deployment controller's client (kube-controller-manager's
// 20 requests/s) sets the pace: 300 Deployments of 0 replicas took as long to be observed as 300 of 1 to be
// available (~70 s), so a burst of 1,000 takes a few minutes on 2 cores.
//
// Each system runs alone, in a fresh namespace, with the same reconcile concurrency:
// 1. idle: 20 Websites converged (with workloads: every status Ready from its Deployment), then a window
//    counting reconciles and apiserver requests (the apiserver's own apiserver_request_total), minus the
//    same window with no controller running;
// 2. latency: sequential creates, create call → the Website's ConfigMap seen by a watch (p50, p99); they
//    are deleted after, and the burst starts once the apiserver is quiet again;
// 3. burst: Websites created at once, until every child exists and every status is written; with
//    workloads, until every Deployment is available and every status says Ready from its Deployment
//    (bench/baseline/ready.ts: Ready=True, reason ReplicasReady, for the current generation, readyReplicas
//    ≥ replicas; 15 min, or the run fails naming how many did and their reasons); then until the apiserver
//    is quiet: reconciles, apiserver requests, RSS and CPU of the controller's processes (zeroloop: the
//    relay and workerd separately) from /proc.
//
// The floor (bench/baseline/floor.ts) is not a controller: the lowest cost any controller could reach on
// this plane. It is a bare client in its own Node process (bundled, with the relay's node flags), measured
// from /proc by pid like the others. The benchmark's own creates (the same code path as for every system)
// hand it each create's answer over its IPC channel, in place of a watch event; per Website it applies
// (server-side) the ConfigMap, Deployment and status bench/baseline ends with, BENCH_FLOOR_CONCURRENCY
// Websites at a time (default 4), with no watch, no cache and no read. It makes no reconciles: the reconcile rows show
// '–' for it (its writes are in the JSON, burst.writes). It has no idle phase (a client with no watch
// sends nothing while nothing changes, so a window would only measure the reference's noise); its
// sequential latency is create → its ConfigMap (applied first) seen by the observer's watch: one write
// and a watch delivery, the latency floor. The table gets a floor column and the ratios zeroloop / floor
// and baseline-watch / floor for the burst's time, apiserver and CPU rows. With workloads the floor's
// Deployments get Pods and statuses too (the same plane traffic, so its apiserver row stays comparable),
// and its burst waits until every Deployment is available; its own status is written once, without
// reading the Deployment (RolloutInProgress), so the row "every status Ready from its Deployment" shows
// '–' for it: the plane's pace is the row "every Deployment available", which every column has.
// Writes bench/results/compare.json and compare.md.
// Run: npm run bench -- compare [--quick]   (quick: 100 burst, 50 sequential, 20 s idle)
// Env: BENCH_WORKLOADS (1; 0: the light plane, results to compare-light.{json,md}), BENCH_CONCURRENCY (8), BENCH_FLOOR_CONCURRENCY (4), BENCH_BULK, BENCH_SEQUENTIAL, BENCH_IDLE_SECONDS,
// BENCH_SYSTEMS (comma list of zeroloop, baseline-watch, baseline-percona, floor; default all, in that order),
// BENCH_WORKER_DELAY_MS (0: milliseconds a proxy adds each way between relay and worker, as a deployed
// Worker 10–50 ms away; results then go to compare-delay<ms>.{json,md}; a concurrency other than 8 adds
// -c<n> to the name: compare-delay20-c32; the light plane adds -light).
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startControlPlane } from '../cluster/index.ts';
import { loadKubeconfigFile } from '../relay/kube/rest-config.ts';
import { TestKube } from '../test/support/kube.ts';
import { prepareNamespace } from '../test/support/relay-env.ts';
import { apiserverCounter } from './baseline/apiserver.ts';
import { ensureBaseline } from './baseline/build.ts';
import { ConvergenceObserver } from './baseline/observer.ts';
import type { IdleFigures, PhaseContext } from './baseline/phases.ts';
import {
  load1m,
  machineFigures,
  measureBurst,
  measureIdle,
  measureSequential,
  prepareIdleSet,
  quietRequestsPer5s,
  settle,
} from './baseline/phases.ts';
import { compareJson, compareMarkdown } from './baseline/report.ts';
import type { CompareRun, SystemFigures } from './baseline/report.ts';
import { deployedRelay } from './baseline/deployed-relay.ts';
import { deleteNamespace } from './baseline/namespace.ts';
import { startBaseline, startFloor, startZeroloop } from './baseline/systems.ts';
import type { RunningSystem, StartOptions, SystemName } from './baseline/systems.ts';

const QUICK = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const count = (name: string, full: number, quick: number) =>
  Number(process.env[name] ?? (QUICK ? quick : full));
const SEQUENTIAL = count('BENCH_SEQUENTIAL', 200, 50);
const BULK = count('BENCH_BULK', 1000, 100);
const IDLE_SECONDS = count('BENCH_IDLE_SECONDS', 120, 20);
const IDLE_WEBSITES = 20;
/** bench/relay.ts runs the relay with concurrency 8; the baseline gets the same MaxConcurrentReconciles. */
const DEFAULT_CONCURRENCY = 8;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? DEFAULT_CONCURRENCY);
/** Websites the floor writes at a time (each one's writes in sequence). */
const FLOOR_CONCURRENCY = Number(process.env.BENCH_FLOOR_CONCURRENCY ?? 4);
const WORKER_DELAY_MS = Number(process.env.BENCH_WORKER_DELAY_MS ?? 0);
/** The plane with workloads (Deployment controller, scheduler, kwok nodes) unless BENCH_WORKLOADS=0. */
const WORKLOADS = process.env.BENCH_WORKLOADS !== '0';
/** Fake nodes with workloads (see the header). */
const NODES = 3;
/** The set-up's departures from the defaults: each is in the command the results quote, and in their name. */
const DEPARTURES: { env: string; suffix: string }[] = [
  ...(WORKER_DELAY_MS > 0
    ? [
        {
          env: `BENCH_WORKER_DELAY_MS=${String(WORKER_DELAY_MS)}`,
          suffix: `-delay${String(WORKER_DELAY_MS)}`,
        },
      ]
    : []),
  ...(CONCURRENCY !== DEFAULT_CONCURRENCY
    ? [{ env: `BENCH_CONCURRENCY=${String(CONCURRENCY)}`, suffix: `-c${String(CONCURRENCY)}` }]
    : []),
  ...(WORKLOADS ? [] : [{ env: 'BENCH_WORKLOADS=0', suffix: '-light' }]),
  ...(process.env.BENCH_RELAY_NODE_FLAGS !== undefined
    ? [{ env: `BENCH_RELAY_NODE_FLAGS='${process.env.BENCH_RELAY_NODE_FLAGS}'`, suffix: '-flags' }]
    : []),
];
/** compare, compare-delay20, compare-delay20-c32, compare-light…; BENCH_RESULTS_NAME when a benchmark runs compare for its own figures (relay-cpu). */
const RESULT_NAME = process.env.BENCH_RESULTS_NAME ?? `compare${DEPARTURES.map((d) => d.suffix).join('')}`;
const ALL_SYSTEMS: SystemName[] = ['zeroloop', 'baseline-watch', 'baseline-percona', 'floor'];
const SYSTEMS = (process.env.BENCH_SYSTEMS?.split(',') ?? ALL_SYSTEMS).filter((s): s is SystemName =>
  (ALL_SYSTEMS as string[]).includes(s),
);
const results = new URL('./results/', import.meta.url);
const progress = (msg: string) =>
  process.stderr.write(`[bench:compare] ${new Date().toISOString().slice(11, 19)} ${msg}\n`);

const loadAtStart = load1m();
progress(
  `mode ${QUICK ? 'quick' : 'full'}, ${WORKLOADS ? `workloads plane (${String(NODES)} nodes)` : 'light plane (no workloads)'}: ${SEQUENTIAL} sequential, ${BULK} burst, ${IDLE_SECONDS} s idle, concurrency ${CONCURRENCY} (floor ${FLOOR_CONCURRENCY}); systems ${SYSTEMS.join(', ')}`,
);
const binary = await ensureBaseline();
progress(`baseline operator: ${binary.path}`);
const plane = await startControlPlane(WORKLOADS ? { workloads: true, nodes: NODES } : {});
const kube = new TestKube(await loadKubeconfigFile(plane.kubeconfigPath));
const apiserver = apiserverCounter(plane);
const logDir = mkdtempSync(join(tmpdir(), 'zeroloop-compare-'));
progress(`control plane ${plane.version} up; system logs in ${logDir}`);

/** A fresh namespace with a convergence observer, for `fn`; removed afterwards. */
async function inNamespace<T>(prefix: string, fn: (ctx: PhaseContext) => Promise<T>): Promise<T> {
  const namespace = await prepareNamespace(kube, prefix);
  const observer = await ConvergenceObserver.start(kube, namespace);
  try {
    return await fn({
      kube,
      namespace,
      observer,
      apiserver,
      progress: (m) => progress(`${namespace}: ${m}`),
    });
  } finally {
    await observer.stop();
    await deleteNamespace(kube, namespace, progress);
  }
}

/**
 * The N-Reconcilers curve, as `npm run bench -- kinds` last wrote it (its own run and plane, with its
 * date): `npm run bench` runs kinds just before compare, so a full run prints both together.
 */
function kindsCurve(): string {
  const file = new URL('kinds.md', results);
  const heading = '\n## One relay with N Reconcilers vs N controller-runtime operators\n\n';
  if (!existsSync(file))
    return `${heading}No kinds results yet: \`npm run bench -- kinds compare\` runs both.\n`;
  const body = readFileSync(file, 'utf8').replace(/^# .*\n+/, '');
  return `${heading}From \`bench/results/kinds.md\` (\`npm run bench -- kinds\`: one plane of its own, without workloads; the ratios are within that run). ${body}`;
}

const idleNames = Array.from({ length: IDLE_WEBSITES }, (_, i) => `idle-${i}`);

function start(name: SystemName, options: StartOptions): Promise<RunningSystem> {
  if (name === 'zeroloop') return startZeroloop(options);
  if (name === 'floor') return startFloor({ ...options, concurrency: FLOOR_CONCURRENCY });
  return startBaseline({
    ...options,
    binary: binary.path,
    mode: name === 'baseline-watch' ? 'watch' : 'percona',
  });
}

try {
  // The reference: the same idle Websites and observers, no controller.
  const reference: IdleFigures = await inNamespace('cmp-ref', async (ctx) => {
    await prepareIdleSet(ctx, idleNames, 20, 'nothing');
    return measureIdle(ctx, undefined, IDLE_SECONDS);
  });
  const quietRequests = quietRequestsPer5s(reference);
  progress(
    `reference: ${reference.apiserverRequests} apiserver requests in ${reference.seconds} s with no controller; quiet = ≤ ${quietRequests} per 5 s`,
  );

  const systems: CompareRun['systems'] = {};
  for (const name of SYSTEMS) {
    systems[name] = await inNamespace(
      `cmp-${name.replace('baseline-', 'b')}`,
      async (ctx): Promise<SystemFigures> => {
        const loadavg1mAtStart = load1m();
        const system = await start(name, {
          plane,
          kube,
          namespace: ctx.namespace,
          concurrency: CONCURRENCY,
          logDir,
          workerDelayMs: WORKER_DELAY_MS,
        });
        progress(
          `${name} ready (${Object.entries(system.parts)
            .map(([p, pids]) => `${p} ${pids.join(',')}`)
            .join('; ')})`,
        );
        try {
          // The floor has no idle phase: with no watch it sends nothing while nothing changes.
          let idle: IdleFigures | undefined;
          if (name !== 'floor') {
            await prepareIdleSet(ctx, idleNames, quietRequests, WORKLOADS ? 'ready' : 'converged');
            idle = await measureIdle(ctx, system, IDLE_SECONDS);
            progress(
              `${name} idle: ${idle.reconciles ?? '?'} reconciles, ${idle.apiserverRequests} apiserver requests in ${idle.seconds} s`,
            );
          }
          const beforeSequential = system.phases?.mark() ?? 0;
          const latency = await measureSequential(ctx, SEQUENTIAL, system);
          const sequential = system.phases?.since(beforeSequential);
          // The deleted sequential Websites' children (with workloads: ReplicaSets and Pods) go first.
          await sleep(5000);
          await settle(ctx, quietRequests, 120_000);
          const beforeBurst = system.phases?.mark() ?? 0;
          const burst = await measureBurst(ctx, system, BULK, quietRequests, {
            deploymentsAvailable: WORKLOADS,
            readyFromDeployment: WORKLOADS && name !== 'floor',
          });
          const burstPhases = system.phases?.since(beforeBurst);
          progress(
            `${name} burst: converged ${burst.convergeMs} ms, ${burst.writes !== undefined ? `${burst.writes} writes (${burst.failedWrites ?? 0} failed)` : `${burst.reconcilesToSettle} reconciles`}, ${burst.apiserverRequests} apiserver requests`,
          );
          return {
            loadavg1mAtStart,
            latency,
            burst,
            ...(idle && { idle }),
            ...(sequential && burstPhases ? { breakdown: { sequential, burst: burstPhases } } : {}),
          };
        } finally {
          await system.stop();
        }
      },
    );
  }

  const run: CompareRun = {
    date: new Date().toISOString(),
    // BENCH_RUN_BY: the command of the benchmark that ran compare for its own figures (relay-cpu).
    command:
      process.env.BENCH_RUN_BY ??
      `${DEPARTURES.map((d) => `${d.env} `).join('')}npm run bench -- compare${QUICK ? ' --quick' : ''}`,
    quick: QUICK,
    machine: machineFigures(loadAtStart),
    setup: {
      controlPlane: plane.version,
      workloads: WORKLOADS,
      plane: WORKLOADS
        ? `with workloads: kube-controller-manager's default controllers (Deployment, ReplicaSet, …), kube-scheduler, kwok with ${String(NODES)} fake nodes; each Website's Deployment gets 1 Pod that turns Running and Ready`
        : 'light: kube-controller-manager with garbage collector, namespace and service-account controllers only; no Deployment gets a status',
      nodes: WORKLOADS ? NODES : 0,
      concurrency: CONCURRENCY,
      floorConcurrency: FLOOR_CONCURRENCY,
      workerDelayMs: WORKER_DELAY_MS,
      sequential: SEQUENTIAL,
      burst: BULK,
      burstCreatesInFlight: 50,
      idleWebsites: IDLE_WEBSITES,
      idleSeconds: IDLE_SECONDS,
      website: 'spec.html set (ConfigMap + Deployment), expose: false (no Service), replicas unset (1)',
      zeroloop: `relay as deployed (${(await deployedRelay()).what}) + the production worker bundle (website component, QuickJS) in plain workerd`,
      baseline: `bench/baseline (controller-runtime v0.23, controllerutil.CreateOrUpdate), ${binary.path}`,
      floor: `bench/baseline/floor.ts: a bare client (KubeClient) in its own Node process with the relay's node flags, told of each create over IPC; per Website server-side applies the ConfigMap, Deployment and status, ${String(FLOOR_CONCURRENCY)} Websites at a time; no watch, cache or read`,
      quietRequestsPer5s: quietRequests,
    },
    reference,
    systems,
  };
  writeFileSync(new URL(`${RESULT_NAME}.json`, results), `${JSON.stringify(compareJson(run), null, 2)}\n`);
  const markdown = compareMarkdown(run) + kindsCurve();
  writeFileSync(new URL(`${RESULT_NAME}.md`, results), markdown);
  process.stdout.write(markdown);
} finally {
  await apiserver.close();
  await plane.stop();
}
