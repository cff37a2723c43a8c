// Component test support (`zeroloop/testing`): runs a BUILT reconciler component in Node through jco and checks its answer like the worker does.
import { readFile } from 'node:fs/promises';
import { loadAll } from 'js-yaml';
import {
  requestToWit,
  responseFromWit,
  witErrorPayload,
  type ReconcilerExports,
} from '../../src/contract/wit.ts';
import {
  KubeObject,
  ReconcileResponse,
  type JsonObject,
  type LastWrite,
  type ReconcileRequest,
  type Trigger,
} from '../../src/protocol/schemas.ts';
import { NODE_LOADER_URL } from '../../reconcilers/pipeline/paths.ts';

/** What a component test needs besides the helpers below: the descriptor schema and the component's type. */
export { Descriptor } from '../../src/protocol/schemas.ts';
export type { ReconcilerExports } from '../../src/contract/wit.ts';

interface NodeLoader {
  loadReconciler(name: string): Promise<ReconcilerExports>;
}

/** A fresh instance of the built component `name` (build/reconcilers/node.ts, from `npm run build:reconcilers`). */
export async function loadBuilt(name: string): Promise<ReconcilerExports> {
  let loader: NodeLoader;
  try {
    loader = (await import(NODE_LOADER_URL.href)) as NodeLoader;
  } catch (error) {
    throw new Error(`cannot load ${NODE_LOADER_URL.pathname}: run \`npx zeroloop build\` first`, {
      cause: error,
    });
  }
  return loader.loadReconciler(name);
}

/** What one reconcile call gave: a response valid under the protocol schema, or a wit `err`. */
export type Outcome = { ok: ReconcileResponse; err?: never } | { err: string; ok?: never };

/**
 * Calls `reconcile` on the component. A wit `err` is returned as `{ err }`; a trap (or any other
 * exception) is rethrown, so a test that expects an outcome fails on it.
 */
export function reconcile(instance: ReconcilerExports, request: ReconcileRequest): Outcome {
  let answer;
  try {
    answer = instance.reconcile(requestToWit(request));
  } catch (error) {
    const payload = witErrorPayload(error);
    if (payload === undefined) throw error;
    return { err: payload };
  }
  return { ok: ReconcileResponse.parse(responseFromWit(answer)) };
}

/** The response of a call that must succeed; fails with the err message otherwise. */
export function expectOk(outcome: Outcome): ReconcileResponse {
  if (outcome.ok) return outcome.ok;
  throw new Error(`expected ok, got err: ${outcome.err}`);
}

/** A request with defaults: nothing owned or related, triggered by the primary. */
export function requestFor(
  primary: KubeObject,
  more: {
    owned?: KubeObject[];
    related?: KubeObject[];
    trigger?: Trigger;
    finalizing?: boolean;
    /** The Reconciler's `spec.config`; omitted: none. */
    config?: JsonObject;
    /** The outcome of the previous answer's write; omitted: `unknown`. */
    lastWrite?: LastWrite;
  } = {},
): ReconcileRequest {
  return {
    primary,
    owned: more.owned ?? [],
    related: more.related ?? [],
    trigger: more.trigger ?? { type: 'primary' },
    finalizing: more.finalizing ?? false,
    ...(more.config === undefined ? {} : { config: more.config }),
    ...(more.lastWrite === undefined ? {} : { lastWrite: more.lastWrite }),
  };
}

/** The desired object of `kind` named `name`, or undefined. */
export function desiredOf(response: ReconcileResponse, kind: string, name: string): KubeObject | undefined {
  return response.desired.find((o) => o.kind === kind && o.metadata.name === name);
}

/** Every Kubernetes object in a YAML file (samples, CRDs) as plain JSON, checked as a KubeObject. */
export async function readYamlObjects(file: URL): Promise<KubeObject[]> {
  const docs = loadAll(await readFile(file, 'utf8'));
  return docs.map((doc) => KubeObject.parse(doc));
}
