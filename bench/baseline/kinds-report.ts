// Turns the kinds benchmark's bursts into bench/results/kinds.json and kinds.md (one row per N, the ratios one relay / N operators).
import type { BurstFigures, IdleFigures, MachineFigures } from './phases.ts';

/** One N: the same N×websites burst against one relay with N Reconcilers, then against N operators. */
export interface KindsPoint {
  n: number;
  websitesPerNamespace: number;
  loadavg1mAtStart: number;
  zeroloop: BurstFigures;
  baseline: BurstFigures;
}

export interface KindsRun {
  date: string;
  command: string;
  machine: MachineFigures;
  setup: Record<string, unknown>;
  /** The window with no controller running that sets the quiet threshold ending each burst. */
  reference: IdleFigures;
  quietRequestsPer5s: number;
  points: KindsPoint[];
}

type Field = 'rssMiB' | 'rssFileMiB' | 'peakRssMiB' | 'cpuSeconds';

const part = (burst: BurstFigures, name: string, field: Field): number => burst.parts[name]?.[field] ?? NaN;
const round1 = (n: number) => Math.round(n * 10) / 10;

/** a / b to two decimals; null where b is not a positive number. */
function ratio(a: number, b: number): number | null {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b <= 0) return null;
  return Math.round((a / b) * 100) / 100;
}

/** Per N, relay and relay + workerd against the N operators' sum, for RSS, peak RSS and burst CPU. */
function ratios(p: KindsPoint) {
  const of = (field: Field) => {
    const relay = part(p.zeroloop, 'relay', field);
    const operators = part(p.baseline, 'operator', field);
    return {
      relay: ratio(relay, operators),
      relayAndWorkerd: ratio(relay + part(p.zeroloop, 'workerd', field), operators),
    };
  };
  return { rss: of('rssMiB'), peakRss: of('peakRssMiB'), cpu: of('cpuSeconds') };
}

export function kindsJson(run: KindsRun): unknown {
  return {
    benchmark: 'kinds',
    ...run,
    points: run.points.map((p) => ({ ...p, ratios: ratios(p) })),
  };
}

/** What one more Reconciler (zeroloop) or operator (baseline) adds, from the smallest N to the largest. */
function slopes(points: readonly KindsPoint[]): string[] {
  const first = points[0];
  const last = points.at(-1);
  if (!first || !last || last.n === first.n) return [];
  const per = (a: number, b: number) => round1((b - a) / (last.n - first.n));
  const each = (field: Field) =>
    `relay ${per(part(first.zeroloop, 'relay', field), part(last.zeroloop, 'relay', field))}, ` +
    `workerd ${per(part(first.zeroloop, 'workerd', field), part(last.zeroloop, 'workerd', field))}, ` +
    `operators ${per(part(first.baseline, 'operator', field), part(last.baseline, 'operator', field))}`;
  return [
    `Each added namespace (N = ${first.n} → ${last.n}, ${first.websitesPerNamespace} Websites each) added, on average:` +
      ` RSS ${each('rssMiB')} MiB; burst CPU ${each('cpuSeconds')} s.`,
    '',
  ];
}

export function kindsMarkdown(run: KindsRun): string {
  const fmt = (v: number | null) => (v === null || !Number.isFinite(v) ? '–' : String(v));
  const main = run.points.map((p) => {
    const r = ratios(p);
    const z = p.zeroloop;
    const b = p.baseline;
    return (
      `| ${p.n} | ${fmt(part(z, 'relay', 'rssMiB'))} | ${fmt(part(z, 'workerd', 'rssMiB'))} | ` +
      `${fmt(part(b, 'operator', 'rssMiB'))} | ${fmt(r.rss.relay)} / ${fmt(r.rss.relayAndWorkerd)} | ` +
      `${fmt(part(z, 'relay', 'cpuSeconds'))} | ${fmt(part(z, 'workerd', 'cpuSeconds'))} | ` +
      `${fmt(part(b, 'operator', 'cpuSeconds'))} | ${fmt(r.cpu.relay)} / ${fmt(r.cpu.relayAndWorkerd)} | ` +
      `${fmt(z.convergeMs)} / ${fmt(b.convergeMs)} |`
    );
  });
  const detail = run.points.map((p) => {
    const z = p.zeroloop;
    const b = p.baseline;
    const converged = (f: BurstFigures) => (f.converged ? `all ${f.count}` : 'NOT all');
    return (
      `| ${p.n} | ${z.count} | ${converged(z)} / ${converged(b)} | ${z.reconcilesToSettle} / ${b.reconcilesToSettle} | ` +
      `${z.failedReconciles} / ${b.failedReconciles} | ${fmt(part(z, 'relay', 'peakRssMiB'))} / ` +
      `${fmt(part(z, 'workerd', 'peakRssMiB'))} / ${fmt(part(b, 'operator', 'peakRssMiB'))} | ` +
      `${fmt(ratios(p).peakRss.relay)} | ${fmt(part(z, 'relay', 'rssFileMiB'))} / ` +
      `${fmt(part(b, 'operator', 'rssFileMiB'))} | ${z.apiserverRequests} / ${b.apiserverRequests} | ` +
      `${z.settledMs} / ${b.settledMs} | ${p.loadavg1mAtStart} |`
    );
  });
  return [
    '# One relay with N Reconcilers vs N controller-runtime operators',
    '',
    `${run.date}, ${run.machine.cpus} CPUs, ${run.machine.memGiB} GiB; load average ${run.machine.loadavg1mAtStart} at start, ${run.machine.loadavg1mAtEnd} at end.` +
      ` Command: \`${run.command}\`.`,
    '',
    `One control plane. For each N, N fresh namespaces with ${String(run.setup.websitesPerNamespace)} Websites each, created at once`,
    '(50 creates in flight), first against zeroloop (one relay as deployed with N Reconcilers, one per',
    'namespace, and the production worker bundle in plain workerd), then, in N fresh namespaces, against N',
    `bench/baseline operators (controller-runtime, \`watch\` mode, one per namespace). Concurrency ${String(run.setup.concurrency)}`,
    'per Reconciler and per operator. Measured from the first create until every Website has its ConfigMap,',
    `Deployment and status and the apiserver was quiet (a 5 s window with ≤ ${run.quietRequestsPer5s} requests). RSS is at the`,
    'end of the burst; CPU is over the burst. Ratios: relay / N operators, then (relay + workerd) / N operators; < 1: zeroloop is lower.',
    '',
    '| N | relay RSS (MiB) | workerd RSS (MiB) | N operators RSS (MiB) | RSS ratio | relay CPU (s) | workerd CPU (s) | N operators CPU (s) | CPU ratio | converge ms zeroloop / operators |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...main,
    '',
    'Zeroloop / operators:',
    '',
    '| N | Websites | converged | reconciles until quiet | failed reconciles | peak RSS relay / workerd / operators (MiB, sum of VmHWM) | peak ratio (relay) | file-backed RSS relay / operators (MiB) | apiserver requests | first create → quiet (ms) | load 1 min at start |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...detail,
    '',
    ...slopes(run.points),
    `Quiet threshold from a ${run.reference.seconds} s window with no controller: ${run.reference.apiserverRequests} apiserver requests.`,
    'RSS of several processes is a sum: the operators’ file-backed pages (the same binary) are shared, yet',
    'count once per operator; the file-backed column shows how much of the sum they are.',
    'The operators’ failed reconciles are `Status().Update` conflicts (the cached Website was stale), retried',
    'with backoff as controller-runtime operators do (bench/baseline/README.md); they converge all the same.',
    'The local control plane has no Deployment controller or kubelet, so no Website becomes Ready; converged',
    'means every child exists and every status is written.',
    '',
  ].join('\n');
}
