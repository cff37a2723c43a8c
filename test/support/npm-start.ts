// Runs `npm start` for e2e tests as a user would (npm, then node local/start.ts), in its own process group, capturing its output.
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { eventually } from './kube.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface NpmStart {
  child: ChildProcessByStdio<null, Readable, Readable>;
  pid: number;
  /** Everything printed so far. */
  readonly stdout: string;
  readonly stderr: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Signals the whole group (npm, sh, node), as Ctrl-C in a terminal does. */
  signalGroup: (signal: NodeJS.Signals) => void;
  /** Resolves with the first match of `pattern` in the output; fails if npm start exits first, or after `timeoutMs`. */
  printed: (what: string, pattern: RegExp, timeoutMs?: number) => Promise<RegExpMatchArray>;
}

/** `npm start --silent -- --namespace <namespace> --log-file <logFile>` against the cluster of `kubeconfig`. */
export function spawnNpmStart(o: { namespace: string; logFile: string; kubeconfig: string }): NpmStart {
  const child = spawn(
    'npm',
    ['start', '--silent', '--', '--namespace', o.namespace, '--log-file', o.logFile],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, KUBECONFIG: o.kubeconfig },
      // Its own process group, like a terminal's foreground job: Ctrl-C signals the whole group (npm, sh, node).
      detached: true,
    },
  );
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
  return {
    child,
    pid,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    signalGroup: (signal) => {
      try {
        process.kill(-pid, signal);
      } catch {
        // already gone
      }
    },
    printed: (what, pattern, timeoutMs = 120_000) =>
      eventually(
        what,
        () => {
          if (child.exitCode !== null)
            throw new Error(`npm start exited ${String(child.exitCode)}:\n${stdout}\n${stderr}`);
          return Promise.resolve(pattern.exec(stdout) ?? undefined);
        },
        timeoutMs,
      ),
  };
}
