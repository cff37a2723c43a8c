// The warm toolchain: one child Node process that keeps componentize-qjs and jco transpile loaded between builds.
//
// Started on first use; while idle it is unref'd, so it never keeps a process alive. Jobs run one at a time
// in it, while this process stays free (the pipeline type-checks meanwhile; `zeroloop dev`'s relay keeps
// serving). A process rather than a worker thread: componentize works from the bundle's folder, and a
// thread cannot change directory. A job's failure comes back as ToolchainFailed with the tool's message.
import { type ChildProcess, fork } from 'node:child_process';
import { MODULE_EXT, PROJECT_ROOT } from './paths.ts';

/** One job for the toolchain thread. Paths are absolute. */
export type ToolchainJob = { id: number } & (
  | {
      op: 'componentize-qjs';
      witPath: string;
      world: string;
      /** The bundled ES module; read in the toolchain process, so that posting the job never waits on this one. */
      source: string;
      out: string;
      optSize: boolean;
      /** The project folder. */
      cwd: string;
    }
  | { op: 'transpile'; component: string; name: string; outDir: string }
  | { op: 'warm' }
);

export type ToolchainAnswer = { id: number; ok: true } | { id: number; ok: false; error: string };

/** The tool failed on this input; `output` is its message. */
export class ToolchainFailed extends Error {
  override readonly name = 'ToolchainFailed';
  readonly output: string;
  constructor(op: string, output: string) {
    super(`${op} failed:\n${output}`);
    this.output = output;
  }
}

type Job = ToolchainJob extends infer J ? (J extends { id: number } ? Omit<J, 'id'> : never) : never;

let child: ChildProcess | undefined;
let nextId = 1;
const pending = new Map<number, { op: string; resolve: () => void; reject: (error: Error) => void }>();

/** Idle: let this process exit without waiting for the toolchain; busy: keep it. */
function hold(c: ChildProcess, busy: boolean): void {
  if (busy) {
    c.ref();
    c.channel?.ref();
  } else {
    c.unref();
    c.channel?.unref();
  }
}

function toolchainProcess(): ChildProcess {
  if (child !== undefined) return child;
  // No inherited Node flags (`--input-type`, `--test`, loaders): the toolchain needs none of its parent's.
  const started = fork(new URL(`./toolchain-worker${MODULE_EXT}`, import.meta.url), [], {
    execArgv: [],
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  started.on('message', (answer: ToolchainAnswer) => {
    const job = pending.get(answer.id);
    if (job === undefined) return;
    pending.delete(answer.id);
    if (pending.size === 0) hold(started, false);
    if (answer.ok) job.resolve();
    else job.reject(new ToolchainFailed(job.op, answer.error));
  });
  const fail = (why: string): void => {
    if (child === started) child = undefined;
    for (const [id, job] of pending) {
      pending.delete(id);
      job.reject(new ToolchainFailed(job.op, `the toolchain process stopped: ${why}`));
    }
  };
  started.on('error', (error) => {
    fail(error.message);
  });
  started.on('exit', (code, signal) => {
    fail(signal !== null ? `signal ${signal}` : `exit code ${String(code)}`);
  });
  child = started;
  return started;
}

/** Sends `job` to the toolchain process at once (synchronously) and resolves when it is done. */
export function runInToolchain(job: Job): Promise<void> {
  const id = nextId++;
  const c = toolchainProcess();
  return new Promise<void>((resolve, reject) => {
    pending.set(id, { op: job.op, resolve, reject });
    hold(c, true);
    c.send({ ...job, id });
  });
}

/** Loads the tools ahead of the first build (`zeroloop dev` calls it while the rest starts). */
export function warmToolchain(): Promise<void> {
  return runInToolchain({ op: 'warm' });
}

/** Ends the toolchain process and resolves once it is gone; the next job starts a new one. */
export function stopToolchain(): Promise<void> {
  const c = child;
  child = undefined;
  if (c?.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  const gone = new Promise<void>((resolve) => {
    c.once('exit', () => {
      resolve();
    });
  });
  // Held while it goes: an idle toolchain is unref'd, and the exit must still be heard.
  hold(c, true);
  c.kill();
  return gone;
}
