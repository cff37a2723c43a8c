// Reads a process tree's memory (VmRSS, VmHWM) and CPU time (utime + stime) from /proc.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (almost always 100). */
const TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface Stat {
  pid: number;
  comm: string;
  ppid: number;
  cpuSeconds: number;
}

function stat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // gone
  }
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'.
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  return {
    pid,
    comm: text.slice(text.indexOf('(') + 1, close),
    ppid: Number(fields[1]),
    cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS,
  };
}

function allStats(): Stat[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => stat(Number(d)) ?? []);
}

/** `root` and all its descendants that are alive now. */
export function processTree(root: number): number[] {
  const stats = allStats();
  const out = [root];
  // An array iterator also visits what is pushed during the loop: a breadth-first walk.
  for (const parent of out) {
    for (const s of stats) if (s.ppid === parent) out.push(s.pid);
  }
  return out.filter((pid) => stats.some((s) => s.pid === pid));
}

export interface TreeSample {
  pids: number[];
  rssMiB: number;
  /**
   * The file-backed part of rssMiB (RssFile: the binary's and libraries' pages). Processes running the
   * same binary share these pages, so a sum over them counts the same memory once per process.
   */
  rssFileMiB: number;
  /** Sum of each process's own peak RSS (VmHWM): an upper bound of the tree's peak. */
  peakRssMiB: number;
  cpuSeconds: number;
}

function statusKiB(pid: number, field: string): number {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(text)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Memory and CPU of the process trees under `roots`, summed. */
export function sampleTrees(roots: readonly number[]): TreeSample {
  const pids = [...new Set(roots.flatMap(processTree))];
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    pids,
    rssMiB: round(pids.reduce((sum, pid) => sum + statusKiB(pid, 'VmRSS'), 0) / 1024),
    rssFileMiB: round(pids.reduce((sum, pid) => sum + statusKiB(pid, 'RssFile'), 0) / 1024),
    peakRssMiB: round(pids.reduce((sum, pid) => sum + statusKiB(pid, 'VmHWM'), 0) / 1024),
    cpuSeconds: Math.round(pids.reduce((sum, pid) => sum + (stat(pid)?.cpuSeconds ?? 0), 0) * 100) / 100,
  };
}
