// Hand-written validation of the primary's spec (or the Reconciler's config): typed reads that collect every problem, then one clear err.
import { ReconcileError } from './errors.ts';
import { isRecord } from './objects.ts';
import type { JsonObject, KubeObject } from './types.ts';

interface StringRule {
  default?: string;
  required?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: RegExp;
}
interface IntegerRule {
  default?: number;
  required?: boolean;
  min?: number;
  max?: number;
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `a value of type ${typeof value}`;
}

/** What a SpecReader reads the Reconciler's configuration from: `request.config` as the definition's `config` gets it. */
export interface ConfigSource {
  config: JsonObject | undefined;
}

/**
 * Reads fields of the primary's `spec`, or of the Reconciler's `spec.config` (`new SpecReader({
 * config }, ...)`, in a definition's `config` function). Each read records a problem instead of
 * throwing, so one reconcile reports every bad field at once; `done()` then ends the reconcile with
 * an err listing them.
 */
export class SpecReader {
  readonly #spec: Record<string, unknown>;
  readonly #subject: string;
  /** `spec`, or `config`: how messages name the fields. */
  readonly #field: string;
  readonly #problems: string[] = [];

  /**
   * `subject` names the primary in messages, e.g. `Website default/site` (or the Reconciler,
   * `Reconciler website`, when reading a config, which may be absent: every field is then absent).
   */
  constructor(source: KubeObject | ConfigSource, subject: string) {
    this.#subject = subject;
    if (!('metadata' in source)) {
      this.#field = 'config';
      this.#spec = source.config ?? {};
      return;
    }
    this.#field = 'spec';
    const spec = source.spec;
    if (isRecord(spec)) this.#spec = spec;
    else {
      this.#spec = {};
      this.#problems.push(
        spec === undefined ? 'spec is missing' : `spec must be an object, got ${show(spec)}`,
      );
    }
  }

  #missing(name: string, required: boolean | undefined, what: string): void {
    if (required) this.#problems.push(`${this.#field}.${name} is required (${what})`);
  }

  string(name: string, rule: (StringRule & { default: string }) | (StringRule & { required: true })): string;
  string(name: string, rule?: StringRule): string | undefined;
  string(name: string, rule: StringRule = {}): string | undefined {
    const value = this.#spec[name];
    if (value === undefined || value === null) {
      this.#missing(name, rule.required, 'a string');
      return rule.default ?? (rule.required ? '' : undefined);
    }
    if (typeof value !== 'string') {
      this.#problems.push(`${this.#field}.${name} must be a string, got ${show(value)}`);
      return rule.default ?? '';
    }
    if (rule.minLength !== undefined && value.length < rule.minLength) {
      this.#problems.push(`${this.#field}.${name} must be at least ${rule.minLength} characters long`);
    }
    if (rule.maxLength !== undefined && value.length > rule.maxLength) {
      this.#problems.push(
        `${this.#field}.${name} must be at most ${rule.maxLength} characters long, got ${value.length}`,
      );
    }
    if (rule.pattern && !rule.pattern.test(value)) {
      this.#problems.push(`${this.#field}.${name} must match ${String(rule.pattern)}, got ${show(value)}`);
    }
    return value;
  }

  integer(
    name: string,
    rule: (IntegerRule & { default: number }) | (IntegerRule & { required: true }),
  ): number;
  integer(name: string, rule?: IntegerRule): number | undefined;
  integer(name: string, rule: IntegerRule = {}): number | undefined {
    const value = this.#spec[name];
    const range =
      rule.min !== undefined && rule.max !== undefined
        ? ` between ${rule.min} and ${rule.max}`
        : rule.min !== undefined
          ? ` >= ${rule.min}`
          : rule.max !== undefined
            ? ` <= ${rule.max}`
            : '';
    if (value === undefined || value === null) {
      this.#missing(name, rule.required, `an integer${range}`);
      return rule.default ?? (rule.required ? (rule.min ?? 0) : undefined);
    }
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      this.#problems.push(`${this.#field}.${name} must be an integer${range}, got ${show(value)}`);
      return rule.default ?? rule.min ?? 0;
    }
    if ((rule.min !== undefined && value < rule.min) || (rule.max !== undefined && value > rule.max)) {
      this.#problems.push(`${this.#field}.${name} must be an integer${range}, got ${value}`);
    }
    return value;
  }

  boolean(name: string, rule: { default: boolean }): boolean {
    const value = this.#spec[name];
    if (value === undefined || value === null) return rule.default;
    if (typeof value !== 'boolean') {
      this.#problems.push(`${this.#field}.${name} must be true or false, got ${show(value)}`);
      return rule.default;
    }
    return value;
  }

  /** The problems found so far. */
  get problems(): readonly string[] {
    return this.#problems;
  }

  /** Ends the reconcile with an err listing every problem, if there are any. */
  done(): void {
    if (this.#problems.length > 0) {
      throw new ReconcileError(
        this.#field === 'spec'
          ? `${this.#subject}: invalid spec: ${this.#problems.join('; ')}. Fix the object's spec.`
          : `${this.#subject}: invalid config: ${this.#problems.join('; ')}. Fix the Reconciler's spec.config.`,
      );
    }
  }
}
