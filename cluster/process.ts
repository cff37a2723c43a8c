// Supervises one control-plane child process: own process group, log file, parent-death signal, staged stop.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ChildSpec {
  /** Short name for logs and errors, e.g. `kube-apiserver`. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** stdout and stderr are appended here (never to our stdout). */
  readonly logPath: string;
  readonly env?: NodeJS.ProcessEnv;
}

export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  /** Settles when the process has exited. */
  readonly exited: Promise<Exit>;
  /** The exit status once exited, else undefined. */
  exit(): Exit | undefined;
  /** SIGTERM the process group, wait up to `graceMs`, then SIGKILL; resolves after exit. */
  stop(graceMs: number): Promise<Exit>;
  /** SIGKILL the process group now, synchronously (for `process.on('exit')`). */
  killNow(): void;
  /** The last `lines` lines of the log file. */
  logTail(lines?: number): string;
}

/** `setpriv --pdeathsig KILL` makes the kernel kill the child if we die without cleaning up (even SIGKILL). */
const SETPRIV = findOnPath('setpriv');

/** True when children get the parent-death signal (Linux with util-linux's setpriv). */
export const parentDeathSignal = SETPRIV !== undefined;

function findOnPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && existsSync(join(dir, command))) return join(dir, command);
  }
  return undefined;
}

/**
 * Starts a child in its own process group (so a terminal's Ctrl-C reaches only us and we stop the children in
 * order) with the parent-death signal set (so they cannot outlive us). Resolves once it has spawned.
 */
export async function startChild(spec: ChildSpec): Promise<Child> {
  const fd = openSync(spec.logPath, 'a');
  const [command, args] =
    SETPRIV === undefined
      ? [spec.command, spec.args]
      : [SETPRIV, ['--pdeathsig', 'KILL', '--', spec.command, ...spec.args]];
  const child = spawn(command, args, {
    detached: true,
    stdio: ['ignore', fd, fd],
    env: spec.env ?? process.env,
  });
  closeSync(fd);
  let exit: Exit | undefined;
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  // Later 'error' events (none expected: we signal by pid) must not crash the process.
  child.on('error', () => undefined);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${spec.name} has no pid after spawn`);
  // Until setpriv has exec'd the real binary, the death signal may not be armed yet (if we died right now,
  // the child would survive). Wait for the exec so the guarantee holds from the moment we return.
  if (SETPRIV !== undefined) await waitForExec(pid, SETPRIV);
  // Children are detached: do not let them keep our event loop alive on their own.
  child.unref();

  const signalGroup = (signal: NodeJS.Signals): void => {
    if (exit !== undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  };

  return {
    name: spec.name,
    pid,
    logPath: spec.logPath,
    exited,
    exit: () => exit,
    async stop(graceMs) {
      // Hold the event loop open until the child is gone, or Node could exit mid-shutdown.
      child.ref();
      signalGroup('SIGTERM');
      const done = await Promise.race([exited, sleep(graceMs, undefined, { ref: false })]);
      if (done !== undefined) return done;
      signalGroup('SIGKILL');
      return exited;
    },
    killNow: () => {
      signalGroup('SIGKILL');
    },
    logTail: (lines = 40) => tail(spec.logPath, lines),
  };
}

/** Polls /proc until process `pid` no longer runs `wrapper` (it exec'd its target, or exited). */
async function waitForExec(pid: number, wrapper: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    let argv0: string;
    try {
      argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
    } catch {
      return; // exited, or no /proc
    }
    if (argv0 !== wrapper && argv0 !== 'setpriv') return;
    await sleep(5);
  }
}

/** The last `lines` lines of a file ('' if unreadable). */
export function tail(path: string, lines: number): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
