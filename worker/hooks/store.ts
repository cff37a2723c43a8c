// The hook object's SQLite storage: the cluster's hooks, pending deliveries, remembered delivery ids, rate buckets, counters.
//
// Everything the object knows lives here, so it survives hibernation, eviction and restarts; the object
// keeps only a parsed copy of the hooks in memory. Nothing here is ever logged.
import { HOOK_DEDUP_SECONDS, type DeliveryMessage, type HookConfig } from '../../src/protocol/hooks.ts';
import type { Bucket } from './rate-limit.ts';
import type { SqlStorage } from './runtime.ts';

const SCHEMA = [
  'CREATE TABLE IF NOT EXISTS hooks (path TEXT PRIMARY KEY, config TEXT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS deliveries (id TEXT PRIMARY KEY, message TEXT NOT NULL, accepted_at INTEGER NOT NULL)',
  'CREATE TABLE IF NOT EXISTS seen (id TEXT PRIMARY KEY, at INTEGER NOT NULL)',
  'CREATE INDEX IF NOT EXISTS seen_at ON seen (at)',
  'CREATE TABLE IF NOT EXISTS buckets (path TEXT PRIMARY KEY, tokens REAL NOT NULL, at INTEGER NOT NULL)',
  'CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)',
];

const num = (value: string | number | null | undefined): number => Number(value ?? 0);

export class HookStore {
  readonly #sql: SqlStorage;
  readonly #transaction: <T>(fn: () => T) => T;
  /** Parsed hooks by path; loaded on first use, replaced with the set. */
  #hooks: Map<string, HookConfig> | undefined;

  constructor(storage: { sql: SqlStorage; transactionSync<T>(fn: () => T): T }) {
    this.#sql = storage.sql;
    this.#transaction = (fn) => storage.transactionSync(fn);
    for (const statement of SCHEMA) this.#sql.exec(statement);
  }

  #loadHooks(): Map<string, HookConfig> {
    if (this.#hooks === undefined) {
      this.#hooks = new Map();
      // Written only by replaceHooks, from configs the object had parsed with zod.
      for (const row of this.#sql.exec('SELECT path, config FROM hooks').toArray())
        this.#hooks.set(String(row.path), JSON.parse(String(row.config)) as HookConfig);
    }
    return this.#hooks;
  }

  hook(path: string): HookConfig | undefined {
    return this.#loadHooks().get(path);
  }

  get hookCount(): number {
    return this.#loadHooks().size;
  }

  /** Replaces the whole set; buckets of hooks that are gone go with them. */
  replaceHooks(hooks: readonly HookConfig[]): void {
    this.#transaction(() => {
      this.#sql.exec('DELETE FROM hooks');
      for (const hook of hooks)
        this.#sql.exec(
          'INSERT OR REPLACE INTO hooks (path, config) VALUES (?, ?)',
          hook.path,
          JSON.stringify(hook),
        );
      this.#sql.exec('DELETE FROM buckets WHERE path NOT IN (SELECT path FROM hooks)');
    });
    this.#hooks = new Map(hooks.map((hook) => [hook.path, hook]));
  }

  /** Whether `id` was accepted within the dedup window. */
  remembers(id: string, nowMs: number): boolean {
    const rows = this.#sql.exec('SELECT at FROM seen WHERE id = ?', id).toArray();
    return rows.length > 0 && num(rows[0]?.at) > nowMs - HOOK_DEDUP_SECONDS * 1000;
  }

  bucket(path: string): Bucket | undefined {
    const row = this.#sql.exec('SELECT tokens, at FROM buckets WHERE path = ?', path).toArray()[0];
    return row === undefined ? undefined : { tokens: num(row.tokens), at: num(row.at) };
  }

  saveBucket(path: string, bucket: Bucket): void {
    this.#sql.exec(
      'INSERT OR REPLACE INTO buckets (path, tokens, at) VALUES (?, ?, ?)',
      path,
      bucket.tokens,
      bucket.at,
    );
  }

  /** Stores an accepted delivery and remembers its id; ids older than the window are pruned on the way. */
  accept(delivery: DeliveryMessage): void {
    this.#transaction(() => {
      this.#sql.exec('DELETE FROM seen WHERE at <= ?', delivery.acceptedAt - HOOK_DEDUP_SECONDS * 1000);
      this.#sql.exec('INSERT OR REPLACE INTO seen (id, at) VALUES (?, ?)', delivery.id, delivery.acceptedAt);
      this.#sql.exec(
        'INSERT OR REPLACE INTO deliveries (id, message, accepted_at) VALUES (?, ?, ?)',
        delivery.id,
        JSON.stringify(delivery),
        delivery.acceptedAt,
      );
    });
  }

  /** Every unacknowledged delivery, oldest first, as the frames sent to the relay. */
  pendingFrames(): string[] {
    return this.#sql
      .exec('SELECT message FROM deliveries ORDER BY accepted_at, id')
      .toArray()
      .map((row) => String(row.message));
  }

  /** Deletes acknowledged deliveries; returns how many there were. */
  acknowledge(ids: readonly string[]): number {
    return this.#transaction(() => {
      let deleted = 0;
      for (const id of ids) deleted += this.#sql.exec('DELETE FROM deliveries WHERE id = ?', id).rowsWritten;
      return deleted;
    });
  }

  get pendingCount(): number {
    return num(this.#sql.exec('SELECT COUNT(*) AS n FROM deliveries').toArray()[0]?.n);
  }

  get rememberedCount(): number {
    return num(this.#sql.exec('SELECT COUNT(*) AS n FROM seen').toArray()[0]?.n);
  }

  /** Adds one to a counter and returns the new value. */
  bump(name: string): number {
    this.#sql.exec(
      'INSERT INTO counters (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = value + 1',
      name,
    );
    return this.counter(name);
  }

  counter(name: string): number {
    return num(this.#sql.exec('SELECT value FROM counters WHERE name = ?', name).toArray()[0]?.value);
  }
}
