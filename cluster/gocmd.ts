// Runs the `go` command with line-by-line output and classifies its failures (toolchain, network, checksum DB).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface GoRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The last lines of stderr, for error messages. */
  readonly stderrTail: readonly string[];
  readonly stdout: string;
}

export interface GoRunOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Called for each stderr line (go build -v prints one package per line there). */
  readonly onStderrLine?: (line: string) => void;
  readonly tailLines?: number;
}

/** Thrown (by runGo) only when the `go` executable itself cannot be spawned. */
export class GoSpawnFailed extends Error {
  override readonly name = 'GoSpawnFailed';
  readonly code: string | undefined;
  constructor(cause: NodeJS.ErrnoException) {
    super(`could not run go: ${cause.message}`, { cause });
    this.code = cause.code;
  }
}

/** Runs `go <args>` and resolves with its exit status; rejects with GoSpawnFailed if `go` cannot start. */
export function runGo(args: readonly string[], options: GoRunOptions): Promise<GoRun> {
  const tailLines = options.tailLines ?? 40;
  return new Promise((resolve, reject) => {
    const child = spawn('go', args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tail: string[] = [];
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    createInterface({ input: child.stderr }).on('line', (line) => {
      tail.push(line);
      if (tail.length > tailLines) tail.shift();
      options.onStderrLine?.(line);
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(new GoSpawnFailed(error));
    });
    child.once('close', (code, signal) => {
      resolve({ code, signal, stderrTail: tail, stdout });
    });
  });
}

export type GoFailureKind = 'checksum-db' | 'module-proxy' | 'other';

/**
 * Tells apart the failures that have a specific remedy: the checksum database (retry with GOSUMDB=off, the
 * go.sum hashes still apply) and the module proxy (network, GOPROXY). Order matters: a sum.golang.org
 * failure also contains network words.
 */
export function classifyGoFailure(stderr: string): GoFailureKind {
  if (/sum\.golang\.org|checksum database|GOSUMDB/i.test(stderr)) return 'checksum-db';
  if (
    /proxy\.golang\.org|GOPROXY|dial tcp|no such host|i\/o timeout|connection refused|connection reset|TLS handshake|network is unreachable|unexpected EOF|reading https?:\/\//i.test(
      stderr,
    )
  ) {
    return 'module-proxy';
  }
  return 'other';
}

/** Parses `go version` output ("go version go1.26.8 linux/amd64") into [major, minor, patch]. */
export function parseGoVersion(output: string): readonly [number, number, number] | undefined {
  const match = /go(\d+)\.(\d+)(?:\.(\d+))?/.exec(output);
  if (match === null) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
}

/** True when version `have` is at least `need` (both `[major, minor, patch]`). */
export function versionAtLeast(have: readonly number[], need: readonly number[]): boolean {
  for (let i = 0; i < Math.max(have.length, need.length); i++) {
    const a = have[i] ?? 0;
    const b = need[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}
