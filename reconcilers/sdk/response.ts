// Checks the author's Result and lowers it to the wit response, so a malformed answer is an err, never a trap.
import { kindId } from '../../src/keys.ts';
import type { WitEvent, WitResponse, WitSelector } from '../../src/contract/wit.ts';
import { err } from './errors.ts';
import { isRecord } from './objects.ts';
import { jsonText, wellFormed } from './text.ts';
import type { Descriptor, KindRef, Request, Result } from './types.ts';

const U32_MAX = 0xffff_ffff;

function list(value: unknown, field: string): readonly unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : err(`${field} must be an array`);
}

function nonEmptyString(value: unknown, field: string): string {
  return typeof value === 'string' && value !== ''
    ? wellFormed(value)
    : err(`${field} must be a non-empty string`);
}

function listed(kind: KindRef, allowed: readonly KindRef[]): boolean {
  return allowed.some((k) => k.apiVersion === kind.apiVersion && k.kind === kind.kind);
}

function desiredOf(value: unknown, descriptor: Descriptor, request: Request<unknown>): string[] {
  const namespace = request.primary.metadata.namespace;
  const seen = new Set<string>();
  return list(value, 'result.desired').map((obj, i) => {
    const field = `result.desired[${i}]`;
    if (!isRecord(obj)) return err(`${field} must be an object`);
    const kind = {
      apiVersion: nonEmptyString(obj.apiVersion, `${field}.apiVersion`),
      kind: nonEmptyString(obj.kind, `${field}.kind`),
    };
    const meta = obj.metadata;
    if (!isRecord(meta)) return err(`${field}.metadata must be an object`);
    const name = nonEmptyString(meta.name, `${field}.metadata.name`);
    if (!listed(kind, descriptor.owns)) {
      err(`${field} is a ${kindId(kind)}, which reconciler "${descriptor.name}" does not list in owns`);
    }
    const ns = meta.namespace;
    // The relay's scope guard: a namespaced primary's children live in its namespace.
    if (namespace !== undefined && ns !== undefined && ns !== namespace) {
      err(
        `${field} (${kind.kind} ${name}) targets namespace ${JSON.stringify(ns)}, not the primary's ${JSON.stringify(namespace)}`,
      );
    }
    const id = `${kindId(kind)}/${name}`;
    if (seen.has(id)) err(`${field}: ${kind.kind} ${name} is desired twice`);
    seen.add(id);
    return jsonText(obj);
  });
}

function selectorOf(value: unknown, i: number, descriptor: Descriptor): WitSelector {
  const field = `result.related[${i}]`;
  if (!isRecord(value)) return err(`${field} must be an object`);
  const kind = {
    apiVersion: nonEmptyString(value.apiVersion, `${field}.apiVersion`),
    kind: nonEmptyString(value.kind, `${field}.kind`),
  };
  if (!listed(kind, descriptor.reads)) {
    err(`${field} selects ${kindId(kind)}, which reconciler "${descriptor.name}" does not list in reads`);
  }
  const labels = value.matchLabels ?? {};
  if (!isRecord(labels)) return err(`${field}.matchLabels must be an object of strings`);
  const matchLabels = Object.entries(labels).map(([key, v]) =>
    typeof v === 'string'
      ? { key: wellFormed(key), value: wellFormed(v) }
      : err(`${field}.matchLabels.${key} must be a string`),
  );
  const { namespace, name } = value;
  return {
    ...kind,
    namespace: namespace === undefined ? undefined : nonEmptyString(namespace, `${field}.namespace`),
    name: name === undefined ? undefined : nonEmptyString(name, `${field}.name`),
    matchLabels,
  };
}

function eventOf(value: unknown, i: number): WitEvent {
  const field = `result.events[${i}]`;
  if (!isRecord(value)) return err(`${field} must be an object`);
  const type = value.type;
  if (type !== 'Normal' && type !== 'Warning') return err(`${field}.type must be "Normal" or "Warning"`);
  const message = value.message;
  if (typeof message !== 'string') return err(`${field}.message must be a string`);
  return {
    type: type === 'Normal' ? 'normal' : 'warning',
    reason: nonEmptyString(value.reason, `${field}.reason`),
    message: wellFormed(message),
  };
}

/** The wit response for `result`; ends the reconcile with `err` when the result is malformed. */
export function toWitResponse(
  result: Result,
  descriptor: Descriptor,
  request: Request<unknown>,
): WitResponse {
  const unchecked: unknown = result;
  if (!isRecord(unchecked)) return err(`reconcile must return an object, got ${typeof unchecked}`);
  const { status, requeueAfter, finalized } = unchecked;
  if (status !== undefined && status !== null && !isRecord(status))
    err('result.status must be an object or null');
  if (
    requeueAfter !== undefined &&
    (typeof requeueAfter !== 'number' ||
      !Number.isInteger(requeueAfter) ||
      requeueAfter < 0 ||
      requeueAfter > U32_MAX)
  ) {
    err(`result.requeueAfter must be an integer number of milliseconds between 0 and ${U32_MAX}`);
  }
  if (finalized !== undefined && typeof finalized !== 'boolean') err('result.finalized must be a boolean');
  return {
    desired: desiredOf(unchecked.desired, descriptor, request),
    status: status === undefined || status === null ? undefined : jsonText(status),
    related: list(unchecked.related, 'result.related').map((s, i) => selectorOf(s, i, descriptor)),
    requeueAfterMs: requeueAfter,
    finalized: finalized === true,
    events: list(unchecked.events, 'result.events').map(eventOf),
  };
}
