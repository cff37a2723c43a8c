// Structured logs: one JSON object per line, with a level, a message, and fields such as the primary's key.

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
  write?: (line: string) => void;
  now?: () => number;
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

/** Parses LOG_LEVEL-style input; unknown values fall back to `info`. */
export function parseLevel(value: string | undefined): Level {
  return value === 'debug' || value === 'info' || value === 'warn' || value === 'error' ? value : 'info';
}
