// Loggers for the control-plane and reconciler builds: JSON to the log file, a readable progress line for long steps.
import { createLogger, type Logger } from '../relay/observe/log.ts';
import type { Output } from './output.ts';

/** A number or string field as text, else `fallback`. */
function text(value: unknown, fallback: string): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : fallback;
}

function seconds(ms: unknown): string {
  return typeof ms === 'number' ? `${String(Math.round(ms / 1000))} s` : '';
}

/** The readable line for a control-plane build event, if it is one worth showing. */
/** The readable line for a control-plane build event, if it is one worth showing. */
export function clusterProgressLine(event: string, f: Readonly<Record<string, unknown>>): string | undefined {
  const s = (key: string): string => {
    const value = f[key];
    return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
  };
  switch (event) {
    case 'build.start':
      return 'cluster: first run on this machine: building kube-apiserver, kube-controller-manager and etcd from Go modules (several minutes)…';
    case 'build.waiting':
      return `cluster: ${s('message')}; waiting…`;
    case 'build.download.start':
      return 'cluster: downloading Go modules…';
    case 'build.download.progress':
      return `cluster: still downloading Go modules (${seconds(f.elapsedMs)})`;
    case 'build.download.done':
      return `cluster: Go modules downloaded (${seconds(f.elapsedMs)})`;
    case 'build.binary.start':
      return `cluster: compiling ${s('binary')}…`;
    case 'build.binary.progress':
      return `cluster: compiling ${s('binary')}: ${s('compiledPackages')}/${s('graphPackages')} packages (${seconds(f.elapsedMs)})`;
    case 'build.binary.done':
      return `cluster: ${s('binary')} built (${seconds(f.elapsedMs)})`;
    case 'build.done':
      return `cluster: binaries built in ${seconds(f.elapsedMs)}, cached in ${s('dir')}`;
    default:
      return undefined;
  }
}

export function clusterProgress(out: Output): Logger {
  return createLogger(
    {
      level: 'debug',
      write: (line) => {
        out.json(line);
      },
      onRecord: (_level, msg, fields) => {
        const line = clusterProgressLine(msg, fields);
        if (line !== undefined) out.say(line);
      },
    },
    { component: 'cluster' },
  );
}

export function buildProgress(out: Output): Logger {
  return createLogger(
    {
      level: 'debug',
      write: (line) => {
        out.json(line);
      },
      onRecord: (_level, msg, fields) => {
        const name = fields.reconciler;
        if (msg === 'reconciler.built' && typeof name === 'string') {
          out.say(`reconcilers: ${name} built in ${text(fields.ms, '?')} ms`);
        }
        if (msg === 'build.summary') {
          const notBuilt =
            typeof fields.notBuilt === 'string' && fields.notBuilt !== '' ? fields.notBuilt : undefined;
          out.say(
            `reconcilers: ${text(fields.built, '0')} built, ${text(fields.skipped, '0')} up to date` +
              (notBuilt !== undefined
                ? `; not built (not asked for): ${notBuilt.split(' ').join(', ')}`
                : ''),
          );
        }
      },
    },
    { component: 'build:reconcilers' },
  );
}
