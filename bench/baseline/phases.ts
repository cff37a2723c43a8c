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
function waitConverged(
  ctx: Pick<PhaseContext, 'observer' | 'progress'>,
  names: readonly string[],
  timeoutMs: number,
): Promise<boolean> {
  return waitUntil(ctx, names.length, () => ctx.observer.count(names), 'converged', timeoutMs);
}

/** Waits until `done()` reaches `total`, showing progress every 5 s as `<done>/<total> <what>`; false after `timeoutMs`. */
async function waitUntil(
  ctx: Pick<PhaseContext, 'progress'>,
  total: number,
  done: () => number,
  what: string,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  let lastLog = performance.now();
  for (;;) {
    const n = done();
    if (n === total) return true;
    if (performance.now() > deadline) {
      ctx.progress(`gave up waiting: ${n}/${total} ${what} after ${Math.round(timeoutMs / 1000)} s`);
      return false;
    }
    if (performance.now() - lastLog > 5000) {
      ctx.progress(`${what}: ${n}/${total}`);
      lastLog = performance.now();
    }
    await sleep(100);
  }
}

/** How long a burst's Websites get to say Ready from their Deployments before the run fails. */
const READY_TIMEOUT_MS = 900_000;

/** The Websites' statuses did not all say Ready from their Deployments in time: the run fails. */
export class NotReadyFromDeployment extends Error {
  override readonly name = 'NotReadyFromDeployment';
  constructor(
    namespaces: string,
    ready: number,
    total: number,
    seconds: number,
    reasons: Record<string, number>,
  ) {
    super(
      `${namespaces}: only ${String(ready)}/${String(total)} Websites' statuses said Ready from their Deployment ` +
        `after ${String(seconds)} s (Ready reasons now: ${JSON.stringify(reasons)}); with reason ` +
        `RolloutInProgress, read kube-controller-manager's log in the plane's dir (run with ZEROLOOP_KEEP_CLUSTER=1); ` +
        `with none, read the system's log`,
    );
  }
}

/** Waits until every Website in `names` says Ready from its Deployment; throws NotReadyFromDeployment after `timeoutMs`. */
async function waitReady(
  ctx: Pick<PhaseContext, 'observer' | 'progress'>,
  names: readonly string[],
  timeoutMs: number,
  where: string,
): Promise<void> {
  const count = () => ctx.observer.countSeen(ctx.observer.readySeen, names);
  if (await waitUntil(ctx, names.length, count, 'Ready from their Deployment', timeoutMs)) return;
  throw new NotReadyFromDeployment(
    where,
    count(),
    names.length,
    timeoutMs / 1000,
    ctx.observer.reasons(names),
  );
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
export async function settle(
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

/**
 * Creates the idle set and waits until it converged (`expect` 'converged'), and on a plane with workloads
 * until every status says Ready from its Deployment ('ready': no Pod still starting wakes a controller in
 * the window), then until the apiserver went quiet.
 */
export async function prepareIdleSet(
  ctx: PhaseContext,
  names: readonly string[],
  quietRequests: number,
  expect: 'nothing' | 'converged' | 'ready',
): Promise<boolean> {
  await createAll(ctx.kube, refsIn(ctx, names));
  const converged = expect !== 'nothing' ? await waitConverged(ctx, names, 120_000) : true;
  if (expect === 'ready') await waitReady(ctx, names, 300_000, `${ctx.namespace} idle set`);
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
  /** On a plane with workloads: until every Deployment was seen available (the Deployment controller's pace). */
  deploymentsAvailableMs?: number;
  /** On a plane with workloads, a controller: until every status said Ready from its Deployment. */
  readyMs?: number;
  /** Reconciles until every status said Ready from its Deployment. */
  reconcilesToReady?: number;
  /** Per Website: its status Ready from its Deployment − its Deployment seen available (ms, 0.1 ms). */
  readyAfterAvailableMs?: number[];
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

/** What a burst waits for beyond every child and status written (a plane with workloads). */
export interface BurstUntil {
  /** Every Deployment available (the plane runs the Deployment controller, a scheduler and nodes). */
  deploymentsAvailable: boolean;
  /** Every status Ready from its Deployment (a controller that reads the Deployment, not the floor). */
  readyFromDeployment: boolean;
}

const CHILDREN_AND_STATUS: BurstUntil = { deploymentsAvailable: false, readyFromDeployment: false };

/** `count` Websites created at once (50 creates in flight), measured until the apiserver went quiet. */
export function measureBurst(
  ctx: PhaseContext,
  system: RunningSystem,
  count: number,
  quietRequests: number,
  until: BurstUntil = CHILDREN_AND_STATUS,
): Promise<BurstFigures> {
  const names = Array.from({ length: count }, (_, i) => `bulk-${i}`);
  return measureBurstOf(ctx, system, refsIn(ctx, names), quietRequests, until);
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
  until: BurstUntil = CHILDREN_AND_STATUS,
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
  ctx.progress(`burst: converged in ${convergeMs} ms`);
  const { observer } = ctx;
  let deploymentsAvailableMs: number | undefined;
  if (until.deploymentsAvailable) {
    const available = () => observer.countSeen(observer.deploymentAvailableSeen, names);
    deploymentsAvailableMs = (await waitUntil(
      ctx,
      count,
      available,
      'Deployments available',
      READY_TIMEOUT_MS,
    ))
      ? latest(observer.deploymentAvailableSeen)
      : NaN;
    ctx.progress(`burst: every Deployment available in ${deploymentsAvailableMs} ms`);
  }
  let ready: Pick<BurstFigures, 'readyMs' | 'reconcilesToReady' | 'readyAfterAvailableMs'> = {};
  if (until.readyFromDeployment) {
    const where = [...new Set(websites.map((w) => w.namespace))].join(', ');
    await waitReady(ctx, names, READY_TIMEOUT_MS, where);
    const readyMs = latest(observer.readySeen);
    ctx.progress(`burst: every status Ready from its Deployment in ${readyMs} ms`);
    ready = {
      readyMs,
      reconcilesToReady: (await system.reconciles()).total - r0.total,
      readyAfterAvailableMs: names.map((n) =>
        round((observer.readySeen.get(n) ?? NaN) - (observer.deploymentAvailableSeen.get(n) ?? NaN)),
      ),
    };
  }
  ctx.progress('burst: waiting for the apiserver to go quiet');
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
    ...(deploymentsAvailableMs !== undefined && { deploymentsAvailableMs }),
    ...ready,
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
