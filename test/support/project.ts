// Test and bench support: a team's project outside this repository, made and installed from the packed release tarballs.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { packAll, type PackedPackage } from '../../release/pack.ts';

const exec = promisify(execFile);

/**
 * The environment a user's shell would give: Node 24 first on PATH (as the project's own `node` dependency
 * puts it under npm), and without the variable through which this test runner talks to the `node --test`
 * processes it starts, so the project's own `node --test` prints its report as it does for a user.
 */
function userEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const user: NodeJS.ProcessEnv = { ...env };
  delete user.NODE_TEST_CONTEXT;
  return { ...user, PATH: `${dirname(process.execPath)}:${env.PATH ?? ''}`, NO_UPDATE_NOTIFIER: '1' };
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Runs a command the way a user types it in the project (`npx …`, `npm …`), with Node 24 first on PATH as
 * the project's own `node` dependency puts it; never throws on a non-zero exit.
 */
export async function inProject(
  cwd: string,
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<CommandResult> {
  const started = performance.now();
  try {
    const { stdout, stderr } = await exec(command, [...args], {
      cwd,
      env: userEnv(env),
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr, ms: performance.now() - started };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : 1,
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? '',
      ms: performance.now() - started,
    };
  }
}

export interface Release {
  /** Package name → its tarball. */
  readonly tarballs: ReadonlyMap<string, PackedPackage>;
  tarball(name: string): string;
}

/** Packs every package (release/pack.ts) into `dir`, staging them beside it (not in build/release). */
export async function packRelease(dir: string): Promise<Release> {
  const packed = await packAll({ outDir: dir, stageDir: `${dir}-stage` });
  const tarballs = new Map(packed.map((p) => [p.name, p]));
  return {
    tarballs,
    tarball(name) {
      const found = tarballs.get(name);
      if (found === undefined) throw new Error(`no tarball of ${name} was packed`);
      return found.tarball;
    },
  };
}

/** A folder outside the repository for one test's projects; removed by `remove()`. */
export async function outsideFolder(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'zeroloop-project-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** `npm install` of zeroloop's packages from their tarballs (the rest comes from the npm registry or cache). */
export function installFromTarballs(project: string, release: Release): Promise<CommandResult> {
  return inProject(project, 'npm', [
    'install',
    '--prefer-offline',
    '--no-audit',
    '--no-fund',
    release.tarball('@zeroloop/protocol'),
    release.tarball('@zeroloop/sdk'),
    release.tarball('@zeroloop/worker'),
    release.tarball('zeroloop'),
  ]);
}

export interface RunningCommand {
  /** The first printed line matching `re` (waits up to `timeoutMs`). */
  line(re: RegExp, timeoutMs?: number): Promise<string>;
  /** Everything printed so far (stdout and stderr). */
  output(): string;
  /** SIGINT, as Ctrl-C; resolves when it has exited. */
  interrupt(): Promise<void>;
}

/** Starts a long-running command in the project (`npx zeroloop dev …`) and follows its output. */
export function startInProject(cwd: string, command: string, args: readonly string[]): RunningCommand {
  // Its own process group, as a terminal's foreground job: Ctrl-C signals the whole group (npm exec, the
  // CLI and what it started), not npm alone, which does not forward a signal sent only to itself.
  const child = spawn(command, [...args], {
    cwd,
    env: userEnv(process.env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let closed = false;
  // 'close' comes after the last line of output: a wait still unmatched then never will be.
  const exited = new Promise<void>((resolve) => {
    child.once('close', () => {
      closed = true;
      for (const w of waiters) w();
      resolve();
    });
  });
  for (const stream of [child.stdout, child.stderr])
    createInterface({ input: stream }).on('line', (text) => {
      lines.push(text);
      for (const w of waiters) w();
    });
  return {
    line: (re, timeoutMs = 180_000) =>
      new Promise((resolve, reject) => {
        const fail = (why: string): void => {
          waiters.delete(check);
          clearTimeout(timer);
          reject(
            new Error(
              `${command} ${args.join(' ')} ${why} with no line matching ${String(re)}:\n${lines.join('\n')}`,
            ),
          );
        };
        const check = (): void => {
          const found = lines.find((l) => re.test(l));
          if (found === undefined) {
            if (closed) fail(`exited (${String(child.exitCode ?? child.signalCode)})`);
            return;
          }
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          fail(`ran ${String(timeoutMs)} ms`);
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    output: () => lines.join('\n'),
    interrupt: async () => {
      if (closed) return;
      const group = -(child.pid ?? 0);
      process.kill(group, 'SIGINT');
      // What a second Ctrl-C would do, if the first has not stopped it within 30 s.
      const force = setTimeout(() => {
        process.kill(group, 'SIGKILL');
      }, 30_000);
      await exited;
      clearTimeout(force);
    },
  };
}
