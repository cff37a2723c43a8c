// The worker's structured log: JSON lines on stdout (workerd prints them; Workers Logs indexes them).
import type { RequestLogLine } from './middleware/request-log.ts';

/** A component was instantiated: a cold start, or a rebuild after a trap (generation > 1). */
export interface InstantiateLogLine {
  level: 'info';
  msg: 'instantiate';
  reconciler: string;
  generation: number;
  ms: number;
}

export type LogLine = RequestLogLine | InstantiateLogLine;
export type LogWriter = (line: LogLine) => void;

export const consoleLog: LogWriter = (line) => {
  console.log(JSON.stringify(line));
};

/** Drops every line (tests that do not look at logs). */
export const discardLog: LogWriter = () => undefined;
