// Parsed Kubernetes objects: checking object JSON by hand, and a set of objects findable by kind and name.
import { kindId } from '../../src/keys.ts';
import { err } from './errors.ts';
import type { KindRef, KubeObject } from './types.ts';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses one `object-json` value, or ends the reconcile with `err` naming `field`. */
export function parseObject(text: string, field: string): KubeObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return err(`${field} is not valid JSON text`);
  }
  if (!isRecord(value)) return err(`${field} must be a JSON object`);
  const { apiVersion, kind, metadata } = value;
  if (typeof apiVersion !== 'string' || apiVersion === '') return err(`${field}.apiVersion must be a string`);
  if (typeof kind !== 'string' || kind === '') return err(`${field}.kind must be a string`);
  if (!isRecord(metadata)) return err(`${field}.metadata must be an object`);
  if (typeof metadata.name !== 'string' || metadata.name === '') {
    return err(`${field}.metadata.name must be a non-empty string`);
  }
  const namespace = metadata.namespace;
  if (namespace !== undefined && typeof namespace !== 'string') {
    return err(`${field}.metadata.namespace must be a string`);
  }
  return value as KubeObject;
}

/** Objects of several kinds, found by kind (and name). */
export class ObjectSet {
  readonly items: readonly KubeObject[];
  readonly #byKind = new Map<string, KubeObject[]>();

  constructor(items: readonly KubeObject[]) {
    this.items = items;
    for (const obj of items) {
      const id = kindId(obj);
      const list = this.#byKind.get(id);
      if (list) list.push(obj);
      else this.#byKind.set(id, [obj]);
    }
  }

  /** Every object of `kind`, in request order. */
  ofKind(kind: KindRef): readonly KubeObject[] {
    return this.#byKind.get(kindId(kind)) ?? [];
  }

  /** The object of `kind` named `name`, if present. */
  get(kind: KindRef, name: string): KubeObject | undefined {
    return this.ofKind(kind).find((obj) => obj.metadata.name === name);
  }

  has(kind: KindRef, name: string): boolean {
    return this.get(kind, name) !== undefined;
  }
}

/** A nested field of an object, or undefined when any step is missing or not an object. */
export function pathOf(obj: unknown, ...path: string[]): unknown {
  let current: unknown = obj;
  for (const step of path) {
    if (!isRecord(current)) return undefined;
    current = current[step];
  }
  return current;
}

/** A non-negative integer field of an observed object (e.g. `status.readyReplicas`), 0 when absent. */
export function countOf(obj: unknown, ...path: string[]): number {
  const value = pathOf(obj, ...path);
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0;
}

/** Whether an object (a Pod, a Deployment) has condition `type` with status "True". */
export function hasTrueCondition(obj: unknown, type: string): boolean {
  const conditions = pathOf(obj, 'status', 'conditions');
  if (!Array.isArray(conditions)) return false;
  return conditions.some((c: unknown) => isRecord(c) && c.type === type && c.status === 'True');
}
