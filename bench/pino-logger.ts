// The relay's Logger interface over pino 10, writing the same line shape (time, level, msg, fields; errors as name/message/cause), for bench/logger.ts.
import { pino } from 'pino';
import type { DestinationStream, Logger as Pino } from 'pino';
import { errorFields } from '../relay/observe/log.ts';
import type { Fields, Level, Logger } from '../relay/observe/log.ts';

/** pino configured for the relay's line shape: ISO time, the level's name, `msg`, no pid or hostname. */
export function pinoLogger(
  level: Level,
  destination?: DestinationStream,
): { log: Logger; flush(): Promise<void> } {
  const options = {
    level,
    base: null,
    messageKey: 'msg',
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  const root = destination ? pino(options, destination) : pino(options);
  return {
    log: wrap(root),
    flush: () =>
      new Promise((resolve, reject) => {
        root.flush((error) => {
          if (error) reject(error);
          else resolve();
        });
      }),
  };
}

function wrap(p: Pino): Logger {
  const at =
    (level: Level) =>
    (msg: string, fields: Fields = {}): void => {
      const record: Fields = {};
      for (const [k, v] of Object.entries(fields)) record[k] = v instanceof Error ? errorFields(v) : v;
      p[level](record, msg);
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => wrap(p.child(fields)),
  };
}
