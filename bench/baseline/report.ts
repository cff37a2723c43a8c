// Turns the compare benchmark's raw figures into bench/results/compare.json and compare.md (each figure, each system, ratios, the floor).
import type { BurstFigures, IdleFigures, LatencyFigures, MachineFigures } from './phases.ts';
import type { SystemName } from './systems.ts';
import type { Breakdown } from './breakdown.ts';
import { percentile as nearestRank } from '../stats.ts';

export interface SystemFigures {
  loadavg1mAtStart: number;
  latency: LatencyFigures;
  burst: BurstFigures;
  /** Absent for the floor, which has no idle phase (with no watch it sends nothing while nothing changes). */
  idle?: IdleFigures;
  /** zeroloop only: where each reconcile's time went, in the sequential and the burst phase. */
  breakdown?: { sequential: Breakdown; burst: Breakdown };
}

export interface CompareRun {
  date: string;
  command: string;
  quick: boolean;
  machine: MachineFigures;
  setup: Record<string, unknown>;
  /** The idle window with no controller running, subtracted from each system's idle count. */
  reference: IdleFigures;
  systems: Partial<Record<SystemName, SystemFigures>>;
}

const BASELINES = ['baseline-watch', 'baseline-percona'] as const;
/** The systems compared with the floor, in the floor's ratio columns. */
const OVER_FLOOR = ['zeroloop', 'baseline-watch'] as const;

function percentile(samples: readonly number[], p: number): number {
  return Math.round(nearestRank(samples, p) * 10) / 10;
}

const perHour = (count: number, seconds: number) => Math.round((count / seconds) * 3600);
const sum = (...xs: (number | undefined)[]) =>
  Math.round(xs.reduce<number>((a, x) => a + (x ?? 0), 0) * 10) / 10;

interface Row {
  figure: string;
  unit: string;
  values: Partial<Record<SystemName, number | null>>;
  /** A context figure (the load average), not a cost: no ratio. */
  noRatio?: boolean;
  /** A burst cost the floor also pays (time, apiserver requests, CPU): ratios over the floor. */
  floorRatio?: boolean;
}

/** The figures as rows: one per measurement, one value per system. */
function rows(run: CompareRun): Row[] {
  const each = (f: (s: SystemFigures) => number | null) =>
    Object.fromEntries(Object.entries(run.systems).map(([name, s]) => [name, f(s)])) as Row['values'];
  /** A reconcile count: none for the floor, which makes no reconciles. */
  const reconcileCount = (f: (s: SystemFigures) => number | null) =>
    Object.fromEntries(
      Object.entries(run.systems).map(([name, s]) => [name, name === 'floor' ? null : f(s)]),
    ) as Row['values'];
  /** An idle figure: none for a system without an idle phase (the floor). */
  const idleFigure = (f: (s: SystemFigures, idle: IdleFigures) => number) =>
    each((s) => (s.idle ? f(s, s.idle) : null));
  const ref = run.reference;
  const netRequests = (_: SystemFigures, idle: IdleFigures) =>
    perHour(idle.apiserverRequests - (ref.apiserverRequests * idle.seconds) / ref.seconds, idle.seconds);
  const part = (s: SystemFigures, name: string) => s.burst.parts[name];
  const total = (s: SystemFigures, field: 'rssMiB' | 'cpuSeconds' | 'peakRssMiB') =>
    sum(...Object.values(s.burst.parts).map((p) => p[field]));
  const zeroloopOnly = (f: (s: SystemFigures) => number | undefined) =>
    each((s) => (s.burst.parts.relay ? (f(s) ?? null) : null));
  const anyS = Object.values(run.systems)[0];
  const workloads = run.setup.workloads === true;
  /** A figure of the burst on a plane with workloads: none for a system that lacks it (the floor's Ready). */
  const burstFigure = (f: (b: BurstFigures) => number | undefined) => each((s) => f(s.burst) ?? null);
  const lag = (p: number) =>
    burstFigure((b) => (b.readyAfterAvailableMs ? percentile(b.readyAfterAvailableMs, p) : undefined));
  const idleSeconds = Object.values(run.systems).find((s) => s.idle)?.idle?.seconds ?? ref.seconds;
  const n = { seq: anyS?.latency.count ?? 0, burst: anyS?.burst.count ?? 0, idle: idleSeconds };
  const workloadRows: Row[] = workloads
    ? [
        {
          figure: `burst of ${n.burst}: every Deployment available (the Deployment controller’s pace)`,
          unit: 'ms',
          values: burstFigure((b) => b.deploymentsAvailableMs),
          floorRatio: true,
        },
        {
          figure: `burst of ${n.burst}: every status Ready from its Deployment`,
          unit: 'ms',
          values: burstFigure((b) => b.readyMs),
        },
        {
          figure: 'burst: a status Ready after its Deployment available, p50',
          unit: 'ms',
          values: lag(50),
        },
        {
          figure: 'burst: a status Ready after its Deployment available, p99',
          unit: 'ms',
          values: lag(99),
        },
      ]
    : [];
  return [
    {
      figure: `create → ConfigMap seen, p50 (${n.seq} sequential)`,
      unit: 'ms',
      values: each((s) => percentile(s.latency.samplesMs, 50)),
    },
    {
      figure: `create → ConfigMap seen, p99 (${n.seq} sequential)`,
      unit: 'ms',
      values: each((s) => percentile(s.latency.samplesMs, 99)),
    },
    {
      figure: `burst of ${n.burst}: every child and status written`,
      unit: 'ms',
      values: each((s) => s.burst.convergeMs),
      floorRatio: true,
    },
    {
      figure: `burst of ${n.burst}: every ConfigMap seen`,
      unit: 'ms',
      values: each((s) => s.burst.configMapsMs),
      floorRatio: true,
    },
    ...workloadRows,
    {
      figure: 'burst: reconciles until converged',
      unit: '',
      values: reconcileCount((s) => s.burst.reconcilesToConverge),
    },
    ...(workloads
      ? [
          {
            figure: 'burst: reconciles until every status Ready from its Deployment',
            unit: '',
            values: reconcileCount((s) => s.burst.reconcilesToReady ?? null),
          },
        ]
      : []),
    {
      figure: 'burst: reconciles until the apiserver went quiet',
      unit: '',
      values: reconcileCount((s) => s.burst.reconcilesToSettle),
    },
    {
      figure: 'burst: failed reconciles',
      unit: '',
      values: reconcileCount((s) => s.burst.failedReconciles),
    },
    {
      figure: 'burst: worker round trips per Website (relay → worker requests ÷ Websites)',
      unit: '',
      values: each((s) =>
        s.burst.workerRequests === undefined
          ? null
          : Math.round((s.burst.workerRequests / s.burst.count) * 100) / 100,
      ),
      noRatio: true,
    },
    {
      figure: 'burst: apiserver requests (all clients, incl. the benchmark’s creates)',
      unit: '',
      values: each((s) => s.burst.apiserverRequests),
      floorRatio: true,
    },
    {
      figure: 'controller RSS at end of burst (all processes)',
      unit: 'MiB',
      values: each((s) => total(s, 'rssMiB')),
    },
    { figure: '… relay RSS', unit: 'MiB', values: zeroloopOnly((s) => part(s, 'relay')?.rssMiB) },
    { figure: '… workerd RSS', unit: 'MiB', values: zeroloopOnly((s) => part(s, 'workerd')?.rssMiB) },
    {
      figure: 'controller peak RSS (sum of VmHWM)',
      unit: 'MiB',
      values: each((s) => total(s, 'peakRssMiB')),
    },
    {
      figure: 'controller CPU over the burst (all processes)',
      unit: 's',
      values: each((s) => total(s, 'cpuSeconds')),
      floorRatio: true,
    },
    { figure: '… relay CPU', unit: 's', values: zeroloopOnly((s) => part(s, 'relay')?.cpuSeconds) },
    { figure: '… workerd CPU', unit: 's', values: zeroloopOnly((s) => part(s, 'workerd')?.cpuSeconds) },
    {
      figure: `idle, 20 converged Websites: reconciles per hour (${n.idle} s window)`,
      unit: '/h',
      values: idleFigure((_, idle) => perHour(idle.reconciles ?? 0, idle.seconds)),
    },
    {
      figure: 'idle: apiserver requests per hour, minus no controller',
      unit: '/h',
      values: idleFigure(netRequests),
    },
    {
      figure: 'load average (1 min) at end of burst',
      unit: '',
      values: each((s) => s.burst.loadavg1m),
      noRatio: true,
    },
  ];
}

/** a / b (zeroloop / baseline, a system / the floor); none for a zero or negative value (a net count below the idle reference is noise). */
function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (
    a === null ||
    a === undefined ||
    b === null ||
    b === undefined ||
    !Number.isFinite(a) ||
    !Number.isFinite(b) ||
    b <= 0 ||
    a < 0
  )
    return null;
  return Math.round((a / b) * 100) / 100;
}

export function compareJson(run: CompareRun): unknown {
  return {
    benchmark: 'compare',
    ...run,
    table: rows(run).map((r) => ({
      ...r,
      ratios: Object.fromEntries([
        ...BASELINES.map((b): [string, number | null] => [
          `zeroloop/${b}`,
          ratio(r.values.zeroloop, r.values[b]),
        ]),
        ...OVER_FLOOR.map((a): [string, number | null] => [
          `${a}/floor`,
          r.floorRatio ? ratio(r.values[a], r.values.floor) : null,
        ]),
      ]),
    })),
  };
}

export function compareMarkdown(run: CompareRun): string {
  const fmt = (v: number | null | undefined) =>
    v === null || v === undefined || Number.isNaN(v) ? '–' : String(v);
  const lines = rows(run).map((r) => {
    const cell = (name: SystemName) =>
      `${fmt(r.values[name])}${r.unit && r.values[name] != null ? ` ${r.unit}` : ''}`;
    const overFloor = OVER_FLOOR.map((a) => fmt(r.floorRatio ? ratio(r.values[a], r.values.floor) : null));
    return `| ${r.figure} | ${cell('zeroloop')} | ${cell('baseline-watch')} | ${cell('baseline-percona')} | ${BASELINES.map((b) => fmt(r.noRatio ? null : ratio(r.values.zeroloop, r.values[b]))).join(' | ')} | ${cell('floor')} | ${overFloor.join(' | ')} |`;
  });
  const ref = run.reference;
  return [
    '# zeroloop vs a controller-runtime operator',
    '',
    `${run.date}, ${run.machine.cpus} CPUs, ${run.machine.memGiB} GiB; load average ${run.machine.loadavg1mAtStart} at start, ${run.machine.loadavg1mAtEnd} at end.` +
      ` Command: \`${run.command}\`${run.quick ? ' (quick mode: small counts, short idle window)' : ''}.`,
    '',
    ...planeMarkdown(run),
    '',
    'One control plane; each system in turn in a fresh namespace. zeroloop = relay (own Node process) + the',
    'website component in workerd; baseline = bench/baseline (controller-runtime, CreateOrUpdate) in `watch`',
    'mode (For + Owns, no requeue) and `percona` mode (RequeueAfter 5 s on every reconcile).',
    `Reconcile concurrency ${String(run.setup.concurrency)} for all. Ratio < 1: zeroloop is lower.` +
      (typeof run.setup.workerDelayMs === 'number' && run.setup.workerDelayMs > 0
        ? ` A delay proxy adds ${String(run.setup.workerDelayMs)} ms each way between relay and worker (a Worker on Cloudflare, off-cluster).`
        : ''),
    ...(run.systems.floor
      ? [
          'floor = a bare client (bench/baseline/floor.ts), not a controller: told of each create by the benchmark',
          '(no watch, no cache, no read), it server-side applies the same ConfigMap, Deployment and status,',
          `${String(run.setup.floorConcurrency)} Websites at a time: the lowest cost any controller could reach here.`,
          'It has no idle phase and makes no reconciles (–); the ratios over the floor (how many times',
          'the floor’s cost) are for the burst rows.',
          ...(run.setup.workloads === true
            ? [
                'Its Deployments get Pods and statuses like the others’ (the same plane traffic), but it writes its',
                'status once, without reading the Deployment (RolloutInProgress): “every status Ready from its',
                'Deployment” is – for it; its column of “every Deployment available” is the plane’s own pace.',
              ]
            : []),
        ]
      : []),
    '',
    '| figure | zeroloop | baseline watch | baseline percona | zeroloop / watch | zeroloop / percona | floor | zeroloop / floor | watch / floor |',
    '|---|---|---|---|---|---|---|---|---|',
    ...lines,
    '',
    ...breakdownMarkdown(run.systems.zeroloop?.breakdown),
    `Ready reasons of the burst's Websites at its end: ${Object.entries(run.systems)
      .map(([name, s]) => `${name} ${JSON.stringify(s.burst.finalReadyReasons)}`)
      .join('; ')}.`,
    ...floorWrites(run.systems.floor?.burst),
    '',
    `Idle reference (no controller, same Websites): ${ref.apiserverRequests} apiserver requests in ${ref.seconds} s` +
      ` (${perHour(ref.apiserverRequests, ref.seconds)}/h of background traffic); idle differences of that order are noise.`,
    ...(run.setup.workloads === true
      ? [
          'Apiserver counts are `apiserver_request_total` from the apiserver itself: the burst figure includes the',
          'benchmark’s own creates and the plane’s own work for each Deployment (kube-controller-manager’s',
          'Deployment and ReplicaSet controllers, kube-scheduler’s binding, kwok’s Pod status), the same for every',
          'system. RSS of several processes is a sum (shared pages counted twice). A reconcile count is each',
          'system’s own metric: `zeroloop_reconciles_total`, `controller_runtime_reconcile_total`.',
        ]
      : [
          'Apiserver counts are `apiserver_request_total` from the apiserver itself: the burst figure includes the',
          'benchmark’s own creates and kube-controller-manager (garbage collector, namespace controller; the light',
          'control plane has no Deployment controller, scheduler or kubelet, so Deployments get no status and no',
          'Website becomes Ready). RSS of several processes is a sum (shared pages counted twice). A reconcile',
          'count is each system’s own metric: `zeroloop_reconciles_total`, `controller_runtime_reconcile_total`.',
        ]),
    '',
  ].join('\n');
}

/** The plane the run used, as the header's first paragraph. */
function planeMarkdown(run: CompareRun): string[] {
  if (run.setup.workloads !== true)
    return [
      'Light plane (`BENCH_WORKLOADS=0`): no Deployment controller, scheduler or nodes, so no Deployment gets a',
      'status and no Website becomes Ready; the figures end at every child and status written.',
    ];
  return [
    `Plane with workloads: kube-controller-manager’s default controllers, kube-scheduler and kwok with ${String(run.setup.nodes)}`,
    'fake nodes, so each Website’s Deployment gets a ReplicaSet and 1 Pod that turns Running and Ready, and its',
    'status wakes every controller alike. “Ready from its Deployment”: the Website’s Ready condition is True with',
    'reason ReplicasReady for its current generation and readyReplicas ≥ replicas, which both reconcilers write',
    'only once the Deployment they read reports the generation observed and every replica ready and updated.',
    'The Deployment controller’s client (20 requests/s) sets the pace of “every Deployment available”.',
  ];
}

/** The floor's writes over the burst, as a sentence (it has no reconcile count). */
function floorWrites(burst: BurstFigures | undefined): string[] {
  if (burst?.writes === undefined) return [];
  return [
    `The floor sent ${String(burst.writes)} writes over the burst (${String(Math.round((burst.writes / burst.count) * 100) / 100)} a Website), ` +
      `${String(burst.failedWrites ?? 0)} failed attempts.`,
  ];
}

const PHASES = ['queue', 'request', 'worker', 'dry-run', 'apply', 'prune-status', 'finalizer', 'total'];

/** The latency breakdown table of zeroloop's reconciles (ms, p50 / p99), or nothing. */
function breakdownMarkdown(b: SystemFigures['breakdown']): string[] {
  if (!b) return [];
  const phases = PHASES.filter((p) => p in b.sequential || p in b.burst);
  const cell = (x: Breakdown, p: string) => (x[p] ? `${String(x[p].p50)} / ${String(x[p].p99)}` : '–');
  return [
    "Where a zeroloop reconcile's time goes (ms, p50 / p99, from the relay's `phasesMs`; a reconcile that",
    'skips a phase counts 0 for it; `worker` is every worker call of the reconcile; a reconcile that writes',
    'leaves its status to the next one, so the burst counts two reconciles a Website):',
    '',
    '| phase | sequential creates | burst |',
    '|---|---|---|',
    ...phases.map((p) => `| ${p} | ${cell(b.sequential, p)} | ${cell(b.burst, p)} |`),
    '',
  ];
}
