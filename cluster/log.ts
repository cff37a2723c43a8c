// Structured logging for the control plane: one JSON object per line on stderr, so stdout stays clean.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type LogFields = Readonly<Record<string, unknown>>;

/** Writes one structured event. `event` is a stable, dotted name such as `build.binary.done`. */
export type Logger = (level: LogLevel, event: string, fields?: LogFields) => void;

/** The default logger: JSON lines on stderr with a timestamp and the component name. */
export function createLogger(component: string, write: (line: string) => void = stderrLine): Logger {
  return (level, event, fields = {}) => {
    write(JSON.stringify({ time: new Date().toISOString(), level, component, event, ...fields }));
  };
}

/** A logger that drops everything (for quiet benchmarks and tests). */
export const silentLogger: Logger = () => undefined;

function stderrLine(line: string): void {
  process.stderr.write(`${line}\n`);
}
