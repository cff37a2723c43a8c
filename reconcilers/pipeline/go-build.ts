// Compiles a Go reconciler to a WASI preview1 reactor core module (GOOS=wasip1, -buildmode=c-shared).
import { relative } from 'node:path';
import { GoSpawnFailed, runGo } from '../../cluster/gocmd.ts';
import { GoBuildFailed } from './errors.ts';
import { PROJECT_ROOT } from './paths.ts';

/** The environment of every `go` command the pipeline runs: the local toolchain, modules resolved as needed. */
export function goEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod' };
}

/**
 * `go build` in the reconciler's folder (its package main). c-shared on wasip1 makes a reactor: it
 * exports `_initialize` (the runtime and package init, run once at instantiation) and the
 * `//go:wasmexport` functions, and never runs main. -trimpath keeps build paths out of the module.
 */
export async function goBuild(name: string, dir: string, out: string): Promise<void> {
  const args = ['build', '-trimpath', '-buildmode=c-shared', '-o', out, '.'];
  const where = relative(PROJECT_ROOT, dir) || '.';
  let run;
  try {
    run = await runGo(args, { cwd: dir, env: { ...goEnv(), GOOS: 'wasip1', GOARCH: 'wasm' } });
  } catch (error) {
    if (error instanceof GoSpawnFailed) {
      throw new GoBuildFailed(
        name,
        where,
        `the \`go\` command was not found (${error.code ?? error.message}): install Go 1.24 or newer (GOOS=wasip1 with //go:wasmexport) and put it on PATH`,
        { cause: error },
      );
    }
    throw error;
  }
  if (run.code !== 0) {
    throw new GoBuildFailed(
      name,
      where,
      `GOOS=wasip1 GOARCH=wasm go ${args.join(' ')} failed (exit ${String(run.code ?? run.signal)}):\n${run.stderrTail.join('\n')}`,
    );
  }
}

/** `go version` output, for the input hash ("absent" when go cannot run). */
export async function goVersion(): Promise<string> {
  try {
    const run = await runGo(['version'], { cwd: PROJECT_ROOT, env: goEnv() });
    return run.code === 0 ? run.stdout.trim() : 'absent';
  } catch {
    return 'absent';
  }
}
