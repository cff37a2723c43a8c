// The measured phases of `npm run bench -- compare` (each run against one system in its own namespace) and of `kinds`' burst.
import { cpus, loadavg, totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KObject } from '../../relay/kube/object.ts';
import type { TestKube } from '../../test/support/kube.ts';
import { WEBSITE } from '../../test/support/relay-env.ts';
import type { ApiserverCounter } from './apiserver.ts';
import type { ConvergenceObserver } from './observer.ts';
import { sampleTrees } from './procfs.ts';
import type { TreeSample } from './procfs.ts';
import type { RunningSystem } from './systems.ts';

export interface PhaseContext {
  kube: TestKube;
  namespace: string;
  observer: ConvergenceObserver;
  apiserver: ApiserverCounter;
  progress: (message: string) => void;
}

const IN_FLIGHT = 50;
export const round = (n: number): number => Math.round(n * 10) / 10;
export const load1m = (): number => round(loadavg()[0] ?? 0);

/** The machine a benchmark ran on, and its load at the start and end, for a results file. */
export interface MachineFigures {
  cpus: number;
  memGiB: number;
  loadavg1mAtStart: number;
  loadavg1mAtEnd: number;
}

/** The machine's figures now, with the load measured at the start of the run. */
export function machineFigures(loadavg1mAtStart: number): MachineFigures {
  return {
    cpus: cpus().length,
    memGiB: Math.round(totalmem() / 2 ** 30),
    loadavg1mAtStart,
    loadavg1mAtEnd: load1m(),
  };
}

/** The benchmark's Website: its own HTML (so a ConfigMap), no Service (the service IP range is small). */
function website(name: string, namespace: string) {
  return { ...WEBSITE, metadata: { name, namespace }, spec: { html: `<h1>${name}</h1>`, expose: false } };
}

/** A Website by namespace and name. */
export interface WebsiteRef {
  namespace: string;
  name: string;
}

/**
 * Creates the Websites `websites` with 50 creates in flight; `created` gets each create's answer (the
 * floor's work starts there, in place of a watch event).
 */
async function createAll(
  kube: TestKube,
  websites: readonly WebsiteRef[],
  created?: (website: KObject) => void,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(IN_FLIGHT, websites.length) }, async () => {
      while (next < websites.length) {
        const ref = websites[next++];
        if (ref) {
          const answer = await kube.create(website(ref.name, ref.namespace));
          created?.(answer);
        }
      }
    }),
  );
}

/** The system's `created`, bound, or none (every system but the floor watches instead). */
const createdOf = (system: RunningSystem | undefined) =>
  system?.created ? (website: KObject) => system.created?.(website) : undefined;

const refsIn = (ctx: PhaseContext, names: readonly string[]): WebsiteRef[] =>
  names.map((name) => ({ namespace: ctx.namespace, name }));

/** Waits until every Website in `names` converged; false after `timeoutMs`. */
async function waitConverged(
  ctx: Pick<PhaseContext, 'observer' | 'progress'>,
  names: readonly string[],
  timeoutMs: number,
): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  let lastLog = performance.now();
  for (;;) {
    const done = ctx.observer.count(names);
    if (done === names.length) return true;
    if (performance.now() > deadline) {
      ctx.progress(
        `gave up waiting: ${done}/${names.length} converged after ${Math.round(timeoutMs / 1000)} s`,
      );
      return false;
    }
    if (performance.now() - lastLog > 5000) {
      ctx.progress(`converging: ${done}/${names.length}`);
      lastLog = performance.now();
    }
    await sleep(100);
  }
}

/**
 * How many apiserver requests a 5 s window may hold and still end a burst (`settle`): twice the rate of
 * a no-controller `reference` window, with room for scrapes, and never under 10.
 */
export function quietRequestsPer5s(reference: Pick<IdleFigures, 'apiserverRequests' | 'seconds'>): number {
  return Math.max(10, Math.ceil((2 * reference.apiserverRequests * 5) / reference.seconds) + 5);
}

/**
 * Waits until the apiserver is quiet: a 5 s window with at most `quietRequests` requests (the idle
 * reference's rate, with room). A reconcile that only reads its cache (percona mode once converged)
 * is quiet too, so the same rule ends every system's burst. Gives up after `maxMs`.
 */
async function settle(
  ctx: Pick<PhaseContext, 'apiserver'>,
  quietRequests: number,
  maxMs: number,
): Promise<number> {
  const started = performance.now();
  let before = await ctx.apiserver.requests();
  while (performance.now() - started < maxMs) {
    await sleep(5000);
    const now = await ctx.apiserver.requests();
    if (now - before <= quietRequests) break;
    before = now;
  }
  return Math.round(performance.now() - started);
}

export interface IdleFigures {
  seconds: number;
  apiserverRequests: number;
  reconciles: number | null;
  loadavg1m: number;
}

/**
 * Idle cost: `names` Websites exist (converged when a system runs); count what the apiserver serves
 * and what the system reconciles over `seconds`.
 */
export async function measureIdle(
  ctx: Pick<PhaseContext, 'apiserver' | 'progress'>,
  system: RunningSystem | undefined,
  seconds: number,
): Promise<IdleFigures> {
  const a0 = await ctx.apiserver.requests();
  const r0 = await system?.reconciles();
  ctx.progress(`idle: counting for ${seconds} s`);
  await sleep(seconds * 1000);
  const a1 = await ctx.apiserver.requests();
  const r1 = await system?.reconciles();
  return {
    seconds,
    apiserverRequests: a1 - a0,
    reconciles: r0 && r1 ? r1.total - r0.total : null,
    loadavg1m: load1m(),
  };
}

/** Creates the idle set and waits until it converged and the apiserver went quiet. */
export async function prepareIdleSet(
  ctx: PhaseContext,
  names: readonly string[],
  quietRequests: number,
  expectConverged: boolean,
): Promise<boolean> {
  await createAll(ctx.kube, refsIn(ctx, names));
  const converged = expectConverged ? await waitConverged(ctx, names, 120_000) : true;
  await settle(ctx, quietRequests, 60_000);
  return converged;
}

export interface LatencyFigures {
  count: number;
  samplesMs: number[];
  loadavg1m: number;
}

/**
 * Websites created one after another; for each, create call → its ConfigMap seen by a watch. The floor
 * (`system` with `created`) is handed each create's answer and applies the ConfigMap first.
 */
export async function measureSequential(
  ctx: PhaseContext,
  count: number,
  system?: RunningSystem,
): Promise<LatencyFigures> {
  const created = createdOf(system);
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const name = `seq-${i}`;
    const seen = ctx.observer.configMapOf(name);
    const t0 = performance.now();
    const answer = await ctx.kube.create(website(name, ctx.namespace));
    created?.(answer);
    const timedOut = await Promise.race([seen.then(() => false), sleep(60_000).then(() => true)]);
    if (timedOut) throw new Error(`sequential: the ConfigMap of Website ${name} did not appear within 60 s`);
    samples.push((ctx.observer.configMapSeen.get(name) ?? NaN) - t0);
    if ((i + 1) % 25 === 0) ctx.progress(`sequential ${i + 1}/${count}`);
  }
  for (let i = 0; i < count; i++)
    await ctx.kube.delete(WEBSITE.apiVersion, WEBSITE.kind, ctx.namespace, `seq-${i}`);
  return { count, samplesMs: samples, loadavg1m: load1m() };
}

export interface BurstFigures {
  count: number;
  converged: boolean;
  createsSentMs: number;
  /** Until every ConfigMap was seen (what bench:relay calls convergence). */
  configMapsMs: number;
  /** Until every child existed and every status was written. */
  convergeMs: number;
  /** From the first create until the apiserver went quiet (the end of the burst). */
  settledMs: number;
  reconcilesToConverge: number;
  reconcilesToSettle: number;
  failedReconciles: number;
  /** zeroloop: requests the relay sent its worker from the first create until quiet. */
  workerRequests?: number;
  /** The floor (which makes no reconciles): the writes it sent until quiet, and its failed attempts. */
  writes?: number;
  failedWrites?: number;
  apiserverRequests: number;
  /** The Websites' Ready reasons at the end of the burst (what the status says after settling). */
  finalReadyReasons: Record<string, number>;
  /** Per part, measured at the end of the burst; cpuSeconds is the burst's delta. */
  parts: Record<string, TreeSample>;
  loadavg1m: number;
}

/** `count` Websites created at once (50 creates in flight), measured until the apiserver went quiet. */
export function measureBurst(
  ctx: PhaseContext,
  system: RunningSystem,
  count: number,
  quietRequests: number,
): Promise<BurstFigures> {
  const names = Array.from({ length: count }, (_, i) => `bulk-${i}`);
  return measureBurstOf(ctx, system, refsIn(ctx, names), quietRequests);
}

/**
 * `websites`, in any namespaces, created at once (50 creates in flight) and measured until the
 * apiserver went quiet. Their names must differ: the observer (which must see every namespace) keys by name.
 */
export async function measureBurstOf(
  ctx: Omit<PhaseContext, 'namespace'>,
  system: RunningSystem,
  websites: readonly WebsiteRef[],
  quietRequests: number,
): Promise<BurstFigures> {
  const count = websites.length;
  const names = websites.map((w) => w.name);
  const cpuBefore = Object.fromEntries(
    Object.entries(system.parts).map(([part, roots]) => [part, sampleTrees(roots).cpuSeconds]),
  );
  const a0 = await ctx.apiserver.requests();
  const r0 = await system.reconciles();
  const t0 = performance.now();
  await createAll(ctx.kube, websites, createdOf(system));
  const createsSentMs = Math.round(performance.now() - t0);
  ctx.progress(`burst: ${count} creates sent in ${createsSentMs} ms`);
  const converged = await waitConverged(ctx, names, 600_000);
  const r1 = await system.reconciles();
  const latest = (seen: Map<string, number>) =>
    Math.round(Math.max(...names.map((n) => seen.get(n) ?? NaN)) - t0);
  const convergeMs = converged
    ? Math.round(Math.max(...names.map((n) => ctx.observer.convergedAt(n) ?? NaN)) - t0)
    : NaN;
  ctx.progress(`burst: converged in ${convergeMs} ms; waiting for the apiserver to go quiet`);
  await settle(ctx, quietRequests, 120_000);
  const settledMs = Math.round(performance.now() - t0);
  const a1 = await ctx.apiserver.requests();
  const r2 = await system.reconciles();
  const parts = Object.fromEntries(
    Object.entries(system.parts).map(([part, roots]) => {
      const sample = sampleTrees(roots);
      return [part, { ...sample, cpuSeconds: round(sample.cpuSeconds - (cpuBefore[part] ?? 0)) }];
    }),
  );
  return {
    count,
    converged,
    createsSentMs,
    configMapsMs: latest(ctx.observer.configMapSeen),
    convergeMs,
    settledMs,
    reconcilesToConverge: r1.total - r0.total,
    reconcilesToSettle: r2.total - r0.total,
    failedReconciles: r2.failed - r0.failed,
    ...(r2.workerRequests !== undefined && { workerRequests: r2.workerRequests - (r0.workerRequests ?? 0) }),
    ...(r2.writes !== undefined && { writes: r2.writes - (r0.writes ?? 0) }),
    ...(r2.failedWrites !== undefined && { failedWrites: r2.failedWrites - (r0.failedWrites ?? 0) }),
    apiserverRequests: a1 - a0,
    finalReadyReasons: ctx.observer.reasons(names),
    parts,
    loadavg1m: load1m(),
  };
}
