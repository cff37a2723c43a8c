// Structured logs: one JSON object per line, with a level, a message, and fields such as the primary's key.
//
// The one logger of the relay, the control plane (cluster/), the reconciler build (reconcilers/pipeline/),
// `npm start` (local/) and the benchmarks: every line is `{time, level, msg, ...fields}`. The relay writes
// to stdout; tools whose stdout is their output write to stderr (`stderrLogger`). A progress display
// takes the records themselves (`onRecord`), never the text.

export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: Fields): Logger;
}

export interface LoggerOptions {
  level?: Level;
  /** Where each line goes (without its newline); default: stdout. */
  write?: (line: string) => void;
  now?: () => number;
  /** Also gets each record at or above `level` (its fields with the child's), before it is written. */
  onRecord?: (level: Level, msg: string, fields: Fields) => void;
}

/** An error as log lines (and reconcile observers) carry it. */
export interface ErrorFields {
  name: string;
  message: string;
  cause?: unknown;
}

/** `error`'s name, message and cause chain; a thrown non-Error becomes `{name: 'Error', message}`. */
export function errorFields(error: unknown): ErrorFields {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  return {
    name: error.name,
    message: error.message,
    ...(error.cause ? { cause: serializable(error.cause) } : {}),
  };
}

function serializable(value: unknown): unknown {
  return value instanceof Error ? errorFields(value) : value;
}

export function createLogger(options: LoggerOptions = {}, base: Fields = {}): Logger {
  const min = ORDER[options.level ?? 'info'];
  const write =
    options.write ??
    ((line: string) => {
      process.stdout.write(line + '\n');
    });
  const now = options.now ?? Date.now;
  const log = (level: Level, msg: string, fields: Fields = {}): void => {
    if (ORDER[level] < min) return;
    const record: Fields = { time: new Date(now()).toISOString(), level, msg, ...base };
    for (const [k, v] of Object.entries(fields)) record[k] = serializable(v);
    options.onRecord?.(level, msg, { ...base, ...fields });
    write(JSON.stringify(record));
  };
  return {
    debug: (m, f) => {
      log('debug', m, f);
    },
    info: (m, f) => {
      log('info', m, f);
    },
    warn: (m, f) => {
      log('warn', m, f);
    },
    error: (m, f) => {
      log('error', m, f);
    },
    child: (fields) => createLogger(options, { ...base, ...fields }),
  };
}

/** Writes one line to stderr: for tools whose stdout is their output (the control plane's CLI, builds). */
export function stderrLine(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** A logger of a tool's `component` (`cluster`, `image.build`): every level, JSON lines on stderr. */
export function stderrLogger(component: string): Logger {
  return createLogger({ level: 'debug', write: stderrLine }, { component });
}

const nothing = (): void => undefined;
/** A logger that writes nothing (quiet benchmarks and tests). */
export const silentLogger: Logger = {
  debug: nothing,
  info: nothing,
  warn: nothing,
  error: nothing,
  child: () => silentLogger,
};

/** Parses LOG_LEVEL-style input; unknown values fall back to `info`. */
export function parseLevel(value: string | undefined): Level {
  return value === 'debug' || value === 'info' || value === 'warn' || value === 'error' ? value : 'info';
}
