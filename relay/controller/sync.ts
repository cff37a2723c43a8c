// One reconcile of one primary, as controller-runtime's Reconcile: finalizer → worker → scope guard → apply → related selectors → finalizer removal.
//
// It reads a snapshot (the primary and its owned objects as the cache holds them), writes through
// the applier and the client, and returns an Outcome. It touches no queue, metric, log line or
// observer: the controller maps the outcome to queue operations (outcome.ts), the reporter turns it
// into Events, metrics, log lines and the ReconcileRecord (reporter.ts). Any failure is returned,
// never thrown, with what the reconcile did before it (the trace).
import type {
  JsonObject,
  LastWrite,
  ReconcileRequest,
  ReconcileResponse,
  Trigger,
} from '../../src/protocol/schemas.ts';
import type { ControllerConfig } from '../api/reconciler.ts';
import type { ApplyInput, ApplyResult, Refusal } from '../apply/applier.ts';
import { withIntent } from '../apply/intent.ts';
import { identity, stamp } from '../apply/ownership.ts';
import { refOf } from '../../src/keys.ts';
import { checkScope } from '../apply/scope.ts';
import { buildRequest } from '../dispatch/snapshot.ts';
import type { KubeRequester } from '../kube/client.ts';
import type { KObject } from '../kube/object.ts';
import type { PhaseTimer } from '../observe/phases.ts';
import { addFinalizer, type FinalizerPlan, type FinalizerTarget, removeFinalizer } from './finalizer.ts';
import type { ControllerKinds } from './kinds.ts';
import { type Bounded, bound } from './limits.ts';
import { type ResolvedSelector, resolveSelectors, selectorsKey } from './related.ts';
import type { WorkerExchange } from './result.ts';

/** The Reconciler's worker: one signed call (the controller's counts its calls, worker-call.ts). */
export interface WorkerClient {
  call(key: string, request: ReconcileRequest, traceparent: string): Promise<ReconcileResponse>;
}

/** What a reconcile needs of the related-selector watches (related-watches.ts). */
export interface RelatedSelectors {
  selectorsOf(key: string): readonly ResolvedSelector[];
  /** The objects the primary's selectors match now; waits for a new watch's first list. */
  objectsOf(key: string): Promise<KObject[]>;
  set(key: string, selectors: ResolvedSelector[]): Promise<void>;
}

export interface SyncDeps {
  config: ControllerConfig;
  /** Adds and removes the finalizer. */
  client: KubeRequester;
  applier: { apply(input: ApplyInput): Promise<ApplyResult> };
  worker: WorkerClient;
  related: RelatedSelectors;
  /** The cached object of the same identity, whoever owns it (the applier's `live`). */
  live: (obj: KObject) => KObject | undefined;
  /** Called with each apply's writes as it returns, so their watch events are known as echoes. */
  wrote: (written: ReadonlyMap<string, KObject>) => void;
  /** Called when the status was written: the primary as the reconcile read it, the status, the resourceVersion returned. */
  wroteStatus?: (key: string, primary: KObject, status: JsonObject, resourceVersion: string) => void;
}

/** A primary's snapshot and what this reconcile is for. */
export interface SyncInput {
  key: string;
  primary: KObject;
  /** Its owned objects as the cache holds them. */
  owned: KObject[];
  kinds: ControllerKinds;
  trigger: Trigger;
  plan: FinalizerPlan;
  /** The outcome of the relay's last write of an answer for this primary (last-write.ts). */
  lastWrite?: LastWrite;
  /** Receives where the time goes. */
  phases: PhaseTimer;
  traceparent: string;
}

/** What the reconcile did, up to its end or its failure: what the reporter reports. */
export interface SyncTrace {
  /** Every worker call, in order (the answer once it arrived). */
  calls: WorkerExchange[];
  applied: number;
  pruned: number;
  statusWritten: boolean;
  /** Writes the last pass skipped: the live object already held the intent. */
  unchanged: number;
  /** Apply passes run (1 once the answer was applied). */
  passes: number;
  /**
   * The answer wrote children and its status was left unwritten: it is owed (status-debts.ts), and
   * this is the trigger of the reconcile that pays it if nothing else wakes the primary first.
   */
  statusOwed?: Trigger;
  /** Ownership fields the relay removed from the answer (`identity: fields`), first pass only. */
  stripped: string[];
  /** Desired objects not adopted, first pass only. */
  refused: Refusal[];
  /** Related objects the last request carried. */
  related: number;
  /** Set once the answer was applied: what it asks beyond its writes. */
  answered?: {
    bounded: Bounded;
    /** Whether the applies wrote or pruned anything (flap detection). */
    wrote: boolean;
    /** Selectors refused (not in `reads`, or out of the watched namespaces). */
    selectorsRefused: string[];
    /** The answer's own requeue-after (before the limits clamp it). */
    requeueAfterMs: number | null;
  };
  /** The finalizer was removed: the primary's deletion goes on. */
  finalized: boolean;
}

/** How a reconcile ended. */
export type SyncOutcome =
  | { type: 'reconciled'; trace: SyncTrace; requeueAfterMs: number | null }
  | { type: 'failed'; trace: SyncTrace; error: unknown };

/** The trace of a reconcile before it has done anything. */
export function emptyTrace(): SyncTrace {
  return {
    calls: [],
    applied: 0,
    pruned: 0,
    statusWritten: false,
    unchanged: 0,
    passes: 0,
    stripped: [],
    refused: [],
    related: 0,
    finalized: false,
  };
}

/** Runs one reconcile of `input.primary`; never throws. */
export async function sync(d: SyncDeps, input: SyncInput): Promise<SyncOutcome> {
  const trace = emptyTrace();
  try {
    const requeueAfterMs = await run(d, input, trace);
    return { type: 'reconciled', trace, requeueAfterMs };
  } catch (error) {
    return { type: 'failed', trace, error };
  }
}

async function run(d: SyncDeps, input: SyncInput, trace: SyncTrace): Promise<number | null> {
  const { key, primary, owned, kinds, plan, phases } = input;
  const spec = d.config.spec;
  const target: FinalizerTarget = {
    key,
    reconciler: spec.reconciler,
    primary,
    primaryResource: kinds.primary,
  };
  // Before the first call, so a deletion can never skip the finalizing call.
  if (plan.add) await phases.time('finalizer', () => addFinalizer(d.client, target, plan));
  const answer = await ask(d, input, owned, trace, input.lastWrite);
  const bounded = bound(key, answer.response, spec.limits);
  const result = await apply(d, input, owned, answer.response, { holdStatus: true, trace });
  d.wrote(result.written);
  wroteStatus(d, input, answer.response, result);
  Object.assign(trace, {
    applied: result.applied,
    pruned: result.pruned,
    statusWritten: result.statusWritten,
    unchanged: result.unchanged,
    passes: 1,
  });
  // It wrote: its status was computed from the children as they were before. A pruned child's
  // deletion wakes the primary by itself; a written one owes the status to the next reconcile.
  const written = result.written.values().next().value;
  if (answer.response.status !== null && !result.statusWritten && result.applied > 0)
    trace.statusOwed = written ? { type: 'owned', ref: refOf(written) } : { type: 'primary' };
  trace.answered = {
    bounded,
    wrote: trace.applied + trace.pruned > 0,
    selectorsRefused: answer.selectors.refused,
    requeueAfterMs: answer.response.requeueAfterMs,
  };
  await d.related.set(key, answer.selectors.resolved);
  if (plan.finalizing && answer.response.finalized) {
    await removeFinalizer(d.client, target, plan);
    await d.related.set(key, []);
    trace.finalized = true;
  }
  return bounded.requeueAfterMs;
}

function wroteStatus(d: SyncDeps, input: SyncInput, response: ReconcileResponse, result: ApplyResult): void {
  if (result.statusResourceVersion !== undefined && response.status !== null)
    d.wroteStatus?.(input.key, input.primary, response.status, result.statusResourceVersion);
}

interface Answer {
  response: ReconcileResponse;
  selectors: { resolved: ResolvedSelector[]; refused: string[] };
}

/**
 * Calls the worker. Level-triggered even for related objects: when the answer asks for selectors
 * other than those the request was built with (first reconcile after a start, or a change), watch
 * them and ask again with their objects before applying anything. At most one extra call.
 */
async function ask(
  d: SyncDeps,
  input: SyncInput,
  owned: KObject[],
  trace: SyncTrace,
  lastWrite: LastWrite | undefined,
): Promise<Answer> {
  const { key, primary, kinds, trigger, phases, traceparent } = input;
  const finalizing = input.plan.finalizing;
  const spec = d.config.spec;
  let answer: Answer | undefined;
  for (let pass = 0; pass < 2; pass++) {
    const used = selectorsKey(d.related.selectorsOf(key));
    const request = await phases.time('request', async () => {
      const related = await d.related.objectsOf(key);
      trace.related = related.length;
      const config = spec.config;
      return buildRequest({ primary, owned, related, trigger, finalizing, config, lastWrite });
    });
    const exchange: WorkerExchange = { request };
    trace.calls.push(exchange);
    const response = await phases.time('worker', () => d.worker.call(key, request, traceparent));
    exchange.answer = response;
    const selectors = resolveSelectors({
      selectors: response.related,
      primary,
      reads: spec.reads,
      namespaced: new Map([...kinds.reads].map(([id, r]) => [id, r.namespaced])),
      namespaces: spec.namespaces,
    });
    answer = { response, selectors };
    if (selectorsKey(selectors.resolved) === used) break;
    await d.related.set(key, selectors.resolved);
  }
  if (!answer) throw new Error('no answer');
  return answer;
}

/** Scope guard → ownership stamp → the Applier; notes what it stripped and refused. */
async function apply(
  d: SyncDeps,
  input: SyncInput,
  owned: KObject[],
  response: ReconcileResponse,
  options: {
    trace: SyncTrace;
    /** Leave the status unwritten if this apply writes (status-debts.ts). */
    holdStatus?: boolean;
  },
): Promise<ApplyResult> {
  const { trace } = options;
  const spec = d.config.spec;
  const { key, primary, kinds } = input;
  const placed = checkScope({
    key,
    primary,
    desired: response.desired,
    owns: spec.owns,
    namespaced: new Map([...kinds.owns].map(([id, r]) => [id, r.namespaced])),
    namespaces: spec.namespaces,
  });
  const stamped = placed.map((p) => stamp(p.object, primary, spec.reconciler, p.namespace));
  trace.stripped = stamped.flatMap((s) =>
    s.stripped.length > 0 ? [`${identity(s.object)}: ${s.stripped.join(', ')}`] : [],
  );
  const result = await d.applier.apply({
    key,
    reconciler: spec.reconciler,
    primary,
    primaryResource: kinds.primary,
    desired: stamped.map((s) => withIntent(s.object)),
    owned,
    live: (obj) => d.live(obj),
    resources: kinds.owns,
    status: response.status,
    phases: input.phases,
    holdStatusIfWritten: options.holdStatus === true,
  });
  trace.refused = result.refused;
  return result;
}
