// Structured progress lines (one JSON object per line on stderr) for the reconciler build pipeline.

export type LogFields = Record<string, string | number | boolean | undefined>;

export type Logger = (event: string, fields?: LogFields) => void;

/** Writes `{"time","event",...fields}` lines to the given stream (stderr by default). */
export function createLogger(write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  return (event, fields = {}) => {
    write(JSON.stringify({ time: new Date().toISOString(), event, ...fields }) + '\n');
  };
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = () => undefined;
