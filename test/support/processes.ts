// Runs `npm start` as a user would, and finds the processes it started (by /proc) to prove none outlives a stop.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { eventually } from './kube.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** `pid`'s start time (field 22 of /proc/pid/stat), so a reused pid is not mistaken for a survivor. */
export function startTime(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${String(pid)}/stat`, 'utf8')
      .split(') ')[1]
      ?.split(' ')[19];
  } catch {
    return undefined;
  }
}

export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${String(pid)}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '(exited)';
  }
}

/** Every live descendant of `root`, with its start time. */
export function descendants(root: number): Map<number, string> {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
      parent.set(Number(entry), ppid);
    } catch {
      // gone meanwhile
    }
  }
  const out = new Map<number, string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parent) {
      if (!out.has(pid) && (ppid === root || out.has(ppid))) {
        const started = startTime(pid);
        if (started !== undefined) out.set(pid, started);
        grew = true;
      }
    }
  }
  return out;
}

export interface NpmStart {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Signals the whole process group (npm, sh, node and their children), as a terminal's Ctrl-C does. */
  signalGroup(signal: NodeJS.Signals): void;
  /** Waits until stdout matches `pattern`; fails at once if npm start exits. */
  readonly printed: (what: string, pattern: RegExp, timeoutMs?: number) => Promise<RegExpMatchArray>;
  /** SIGINT to the group; resolves with the exit, fails after 60 s. */
  interrupt(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Processes to force-kill in `cleanup` if the test fails before a clean stop. */
  track(processes: ReadonlyMap<number, string>): void;
  /** For `t.after`: if still running, Ctrl-C, then SIGKILL whatever is left. */
  cleanup(): Promise<void>;
}

/** Runs `npm start --silent -- <args>` from the repo root, in its own process group, like a terminal's foreground job. */
export function spawnNpmStart(args: readonly string[], env: NodeJS.ProcessEnv): NpmStart {
  const child = spawn('npm', ['start', '--silent', '--', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
    detached: true,
  });
  const pid = child.pid ?? 0;
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
    });
  });
  let tracked: ReadonlyMap<number, string> = new Map();
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  };
  return {
    child,
    pid,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    signalGroup,
    printed: (what, pattern, timeoutMs = 120_000) =>
      eventually(
        what,
        () => {
          if (child.exitCode !== null)
            assert.fail(`npm start exited ${String(child.exitCode)}:\n${stdout}\n${stderr}`);
          return Promise.resolve(pattern.exec(stdout) ?? undefined);
        },
        timeoutMs,
      ),
    interrupt: () => {
      signalGroup('SIGINT');
      return Promise.race([
        exited,
        new Promise<never>((_, reject) =>
          setTimeout(() => {
            reject(new Error(`npm start did not exit within 60 s of SIGINT:\n${stdout}\n${stderr}`));
          }, 60_000).unref(),
        ),
      ]);
    },
    track: (processes) => {
      tracked = processes;
    },
    cleanup: async () => {
      if (child.exitCode !== null) return;
      // A failed test: Ctrl-C, then force whatever is left (the pipes would keep this process alive).
      signalGroup('SIGINT');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 30_000).unref())]);
      for (const p of [pid, ...tracked.keys()]) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // gone
        }
      }
      child.stdout.destroy();
      child.stderr.destroy();
    },
  };
}
