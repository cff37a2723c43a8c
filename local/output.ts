// What `npm start` shows: readable lines on stdout; every JSON log line to a log file (and stderr with --verbose).
import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';

export interface Output {
  /** A readable line on stdout. */
  say(line: string): void;
  /** A readable line on stderr (failures). */
  warn(line: string): void;
  /** One JSON log line (from any part) into the log file; echoed to stderr with --verbose. */
  json(line: string): void;
  readonly logFile: string;
  /** Flushes and closes the log file. */
  close(): Promise<void>;
}

export function createOutput(options: { logFile: string; verbose: boolean }): Output {
  const file: WriteStream = createWriteStream(options.logFile, { flags: 'a', mode: 0o600 });
  // A full disk must not take the demo down; the console still works.
  file.on('error', () => undefined);
  return {
    say: (line) => {
      process.stdout.write(`${line}\n`);
    },
    warn: (line) => {
      process.stderr.write(`${line}\n`);
    },
    json: (line) => {
      file.write(`${line}\n`);
      if (options.verbose) process.stderr.write(`${line}\n`);
    },
    logFile: options.logFile,
    close: () =>
      new Promise<void>((resolve) => {
        file.end(resolve);
      }),
  };
}
