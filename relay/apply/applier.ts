// Applies a checked response: adoption guard, server-side apply of what changed, prune, status subresource.
//
// Order and guarantees:
// 1. each desired object is classified against the cache: an existing object the relay did not
//    create for this primary and reconciler is REFUSED (never adopted; the rest is applied); one
//    whose live copy already holds the intent is UNCHANGED and costs no request (intent.ts);
//    the rest are writes: creates (the cache holds no such object) and updates;
// 2. when the writes are several and one of them updates an existing object, they are first
//    applied with dryRun=All; if any fails nothing is written (an update cannot be taken back). A
//    create whose dry-run shows the object already exists is re-checked against the apiserver and
//    refused unless the relay stamped it. Creates alone, or a single update, need no dry-run;
// 3. the writes are applied for real (field manager `zeroloop/<reconciler>`, force); every create
//    is create-only (create-only.ts), so an object someone else made since the cache last saw
//    the namespace is never taken over: the apiserver answers 409, the object is re-read and refused
//    unless the relay stamped it. If a write fails, the objects this apply created are deleted again
//    (uid precondition), so a bad answer leaves nothing half-created; the resourceVersion each write
//    returns is reported, so the controller can recognise its own echo;
// 4. then, in parallel: owned objects the relay stamped for this primary and reconciler that are no
//    longer desired are deleted (with a uid precondition, so a re-created namesake is never
//    touched), and `status`, when given and different from the cached one, is applied to the
//    status subresource.
import { isDeepStrictEqual } from 'node:util';
import { kindId } from '../../src/keys.ts';
import type { JsonObject } from '../../src/protocol/schemas.ts';
import type { KubeRequester } from '../kube/client.ts';
import { KubeApiError } from '../kube/client.ts';
import type { ResourceInfo } from '../kube/discovery.ts';
import { objectPath } from '../kube/discovery.ts';
import { KObject } from '../kube/object.ts';
import type { PhaseTimer } from '../observe/phases.ts';
import { unchanged } from './intent.ts';
import { APPLY, ApplyFailed, applyTarget, refused } from './patch.ts';
import { errorMessage } from '../../src/error-message.ts';
import { createOnly, existsAlready } from './create-only.ts';
import { deleteExact } from './delete.ts';
import { foreignOwner, identity, isStampedBy } from './ownership.ts';

export { ApplyFailed } from './patch.ts';

export interface ApplyInput {
  key: string;
  reconciler: string;
  primary: KObject;
  primaryResource: ResourceInfo;
  /** Stamped, scope-checked objects, each carrying its intent annotation. */
  desired: KObject[];
  /** What the cache holds as owned by this primary now (prune candidates). */
  owned: KObject[];
  /** The cached object of the same kind, namespace and name, whoever owns it. */
  live: (obj: KObject) => KObject | undefined;
  /** Resources of the owned kinds, by kindId. */
  resources: ReadonlyMap<string, ResourceInfo>;
  status: JsonObject | null;
  /** Receives the time of the dry-run, apply, and prune-and-status steps. */
  phases?: PhaseTimer;
  /**
   * Leave `status` unwritten when this apply writes or prunes anything: it was computed from the
   * children as they were before, and the primary's next reconcile writes it (controller/status-debts.ts).
   */
  holdStatusIfWritten?: boolean;
}

/** A desired object the relay did not apply because it belongs to someone else. */
export interface Refusal {
  /** `identity()` of the object. */
  object: string;
  reason: string;
}

export interface ApplyResult {
  /** Objects written (created or changed). */
  applied: number;
  /** Desired objects whose live copy already held the intent: no request sent. */
  unchanged: number;
  pruned: number;
  statusWritten: boolean;
  /** The resourceVersion the status write returned (when it was written). */
  statusResourceVersion?: string;
  refused: Refusal[];
  /** identity → the object each write returned (its resourceVersion comes back as the watch's echo). */
  written: Map<string, KObject>;
  /** Identities of the objects pruned. */
  prunedIds: string[];
}

interface Write {
  object: KObject;
  /** The cache holds no object of this identity. */
  create: boolean;
}

export class Applier {
  #client: KubeRequester;

  constructor(options: { client: KubeRequester }) {
    this.#client = options.client;
  }

  async apply(input: ApplyInput): Promise<ApplyResult> {
    const uid = input.primary.metadata.uid ?? '';
    const refused: Refusal[] = [];
    let writes: Write[] = [];
    let same = 0;
    for (const object of input.desired) {
      const live = input.live(object);
      if (live && !isStampedBy(live, uid, input.reconciler)) {
        refused.push({ object: identity(object), reason: foreignOwner(live) });
      } else if (unchanged(object, live)) {
        same++;
      } else {
        writes.push({ object, create: !live });
      }
    }

    if (writes.length > 1 && writes.some((w) => !w.create)) {
      const previews = await time(input, 'dry-run', () => this.#allOrNothing(input, 'dry-run', writes));
      const existing = writes.filter((w, i) => w.create && previews[i]?.metadata.resourceVersion);
      for (const w of existing) {
        const reason = await this.#foreign(input, 'dry-run', w.object, uid);
        if (reason !== undefined) refused.push({ object: identity(w.object), reason });
      }
      writes = withoutRefused(writes, refused);
    }

    const written = await time(input, 'apply', () => this.#write(input, writes, uid, refused));
    writes = withoutRefused(writes, refused);

    const wanted = new Set(input.desired.map(identity));
    const stale = input.owned.filter(
      (o) => isStampedBy(o, uid, input.reconciler) && !wanted.has(identity(o)),
    );
    const holdStatus = input.holdStatusIfWritten === true && writes.length + stale.length > 0;
    const [pruned, status] = await time(input, 'prune-status', () =>
      Promise.all([this.#prune(input, stale), holdStatus ? undefined : this.#status(input)]),
    );
    return {
      applied: writes.length,
      unchanged: same,
      pruned: pruned.length,
      statusWritten: status !== undefined,
      ...(status?.resourceVersion !== undefined && { statusResourceVersion: status.resourceVersion }),
      refused,
      written,
      prunedIds: stale.filter((o) => pruned.includes(o.metadata.uid ?? '')).map(identity),
    };
  }

  /** Dry-runs every write in parallel; throws ApplyFailed listing every failure. */
  async #allOrNothing(input: ApplyInput, step: 'dry-run', writes: Write[]): Promise<(KObject | undefined)[]> {
    const results = await Promise.allSettled(writes.map((w) => this.#patch(input, step, w.object)));
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    if (failures.length > 0) {
      throw new ApplyFailed(input.key, step, failures.map((e) => e.message).join('; '), failures[0]?.cause);
    }
    return results.map((r) => (r.status === 'fulfilled' ? r.value : undefined));
  }

  /**
   * Applies the writes for real, in parallel, each create as create-only. A create that meets an
   * existing object is re-read: someone else's is added to `refused`, the relay's own is applied as an
   * update. Any other failure deletes the objects this call created and throws ApplyFailed.
   */
  async #write(
    input: ApplyInput,
    writes: Write[],
    uid: string,
    refused: Refusal[],
  ): Promise<Map<string, KObject>> {
    const results = await Promise.allSettled(
      writes.map((w) => this.#patch(input, 'apply', w.create ? createOnly(w.object) : w.object)),
    );
    const written = new Map<string, KObject>();
    const created: KObject[] = [];
    const failures: Error[] = [];
    const raced: Write[] = [];
    results.forEach((r, i) => {
      const w = writes[i];
      if (!w) return;
      if (r.status === 'fulfilled') {
        if (r.value) written.set(identity(w.object), r.value);
        if (r.value && w.create) created.push(r.value);
      } else if (w.create && existsAlready(r.reason)) raced.push(w);
      else failures.push(r.reason as Error);
    });
    for (const w of failures.length > 0 ? [] : raced) {
      try {
        const reason = await this.#foreign(input, 'apply', w.object, uid);
        if (reason !== undefined) refused.push({ object: identity(w.object), reason });
        else {
          const result = await this.#patch(input, 'apply', w.object);
          if (result) written.set(identity(w.object), result);
        }
      } catch (error) {
        failures.push(error as Error);
      }
    }
    if (failures.length > 0) {
      const deletions = await deleteExact(this.#client, input.resources, created);
      const undone = deletions.filter((d) => d.result !== 'failed').length;
      const note =
        created.length > 0
          ? `; deleted again ${String(undone)} of the ${String(created.length)} object(s) it created`
          : '';
      throw new ApplyFailed(
        input.key,
        'apply',
        failures.map((e) => e.message).join('; ') + note,
        failures[0]?.cause,
      );
    }
    return written;
  }

  /** One server-side apply (dry-run or for real); a failure names the object and keeps the apiserver's error as its cause. */
  async #patch(input: ApplyInput, step: 'dry-run' | 'apply', object: KObject): Promise<KObject | undefined> {
    let r: ResourceInfo | undefined;
    try {
      r = this.#resource(input, object);
      const answer = await this.#client.request(
        'PATCH',
        objectPath(r, object.metadata.namespace, object.metadata.name),
        {
          query: {
            fieldManager: `zeroloop/${input.reconciler}`,
            force: true,
            ...(step === 'dry-run' ? { dryRun: 'All' } : {}),
          },
          body: object,
          contentType: APPLY,
        },
      );
      const parsed = KObject.safeParse(answer);
      return parsed.success ? parsed.data : undefined;
    } catch (error) {
      const cause = r ? refused(error, 'patch', r, object.metadata.namespace) : error;
      // eslint-disable-next-line preserve-caught-error -- the cause is the caught error, or the Forbidden wrapping it
      throw new Error(`${identity(object)}: ${errorMessage(cause)}`, { cause });
    }
  }

  /** Why an object the cache had not seen may not be applied (read from the apiserver), or undefined if it is ours. */
  async #foreign(
    input: ApplyInput,
    step: 'dry-run' | 'apply',
    object: KObject,
    uid: string,
  ): Promise<string | undefined> {
    const r = this.#resource(input, object);
    try {
      const live = KObject.parse(
        await this.#client.request('GET', objectPath(r, object.metadata.namespace, object.metadata.name)),
      );
      return isStampedBy(live, uid, input.reconciler) ? undefined : foreignOwner(live);
    } catch (error) {
      // Gone since the dry-run: creating it adopts nothing.
      if (error instanceof KubeApiError && error.status === 404) return undefined;
      const cause = refused(error, 'get', r, object.metadata.namespace);
      throw new ApplyFailed(input.key, step, `${identity(object)}: ${errorMessage(cause)}`, cause);
    }
  }

  /** Deletes the stale objects; returns the uids deleted; throws ApplyFailed naming the first that failed. */
  async #prune(input: ApplyInput, stale: KObject[]): Promise<string[]> {
    const known = stale.filter((o) => input.resources.has(kindId(o)));
    const deletions = await deleteExact(this.#client, input.resources, known);
    const failed = deletions.find((d) => d.result === 'failed');
    if (failed?.result === 'failed') {
      const { object, error, resource } = failed;
      const cause = resource ? refused(error, 'delete', resource, object.metadata.namespace) : error;
      throw new ApplyFailed(input.key, 'prune', `${identity(object)}: ${errorMessage(cause)}`, cause);
    }
    return deletions.flatMap((d) =>
      d.result === 'deleted' && d.object.metadata.uid ? [d.object.metadata.uid] : [],
    );
  }

  /** Applies `status` to the status subresource when it differs from the primary's; undefined when not written. */
  async #status(input: ApplyInput): Promise<{ resourceVersion: string | undefined } | undefined> {
    if (input.status === null || isDeepStrictEqual(input.primary.status, input.status)) return undefined;
    const p = input.primary;
    try {
      const answer = await this.#client.request(
        'PATCH',
        objectPath(input.primaryResource, p.metadata.namespace, p.metadata.name, 'status'),
        {
          query: { fieldManager: `zeroloop/${input.reconciler}`, force: true },
          body: { ...applyTarget(p), status: input.status },
          contentType: APPLY,
        },
      );
      const parsed = KObject.safeParse(answer);
      return { resourceVersion: parsed.success ? parsed.data.metadata.resourceVersion : undefined };
    } catch (error) {
      const hint =
        error instanceof KubeApiError && error.status === 404
          ? ' (does the CRD enable the status subresource?)'
          : '';
      const cause = refused(error, 'patch', input.primaryResource, p.metadata.namespace, 'status');
      throw new ApplyFailed(input.key, 'status', errorMessage(cause) + hint, cause);
    }
  }

  #resource(input: ApplyInput, obj: KObject): ResourceInfo {
    const r = input.resources.get(kindId(obj));
    if (!r) throw new Error(`no resource known for ${kindId(obj)}`);
    return r;
  }
}

function time<T>(
  input: ApplyInput,
  phase: 'dry-run' | 'apply' | 'prune-status',
  fn: () => Promise<T>,
): Promise<T> {
  return input.phases ? input.phases.time(phase, fn) : fn();
}

/** The writes not refused. */
function withoutRefused(writes: Write[], refused: Refusal[]): Write[] {
  const ids = new Set(refused.map((r) => r.object));
  return writes.filter((w) => !ids.has(identity(w.object)));
}
