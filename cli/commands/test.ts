// `zeroloop test [name…]`: builds the reconcilers, type-checks their tests, and runs them with `node --test`.
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { stop as stopEsbuild } from 'esbuild';
import { PipelineError } from '../../reconcilers/pipeline/errors.ts';
import { discover, type ReconcilerSource } from '../../reconcilers/pipeline/manifest.ts';
import { PROJECT_ROOT, PROJECT_ROOT_ENV } from '../../reconcilers/pipeline/paths.ts';
import {
  buildReconcilers,
  type BuildSummary,
  UnknownReconcilerName,
} from '../../reconcilers/pipeline/pipeline.ts';
import { typecheckRoots } from '../../reconcilers/pipeline/typecheck.ts';
import { parseCommandArgs } from '../args.ts';
import { EXIT, UsageError, type Command, type CommandContext } from '../command.ts';
import { progress, summaryLines } from './build.ts';

const USAGE = `usage: zeroloop test [name…] [--force]

Builds the named reconcilers (default: every one) as \`zeroloop build\` does, type-checks their tests
with the project's tsconfig.json, then runs every *.test.ts in their folders with \`node --test\` on
this Node. The CLI lists the files itself, so the command behaves the same under any shell.

options:
  --force   rebuild even unchanged reconcilers

exit codes: 0 every test passed, 1 a build, the type check or a test failed, 2 bad arguments
`;

/** The `*.test.ts` files in a reconciler's folder (any depth, not under node_modules), sorted. */
export async function testFilesOf(source: ReconcilerSource): Promise<string[]> {
  const entries = await readdir(source.dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.test.ts'))
    .map((e) => join(e.parentPath, e.name))
    .filter((f) => !relative(source.dir, f).split('/').includes('node_modules'))
    .sort();
}

/** Runs `node --test files` with this Node in the project folder; resolves to its exit code. */
function nodeTest(files: readonly string[], context: CommandContext): Promise<number> {
  const env: NodeJS.ProcessEnv = { ...context.env, [PROJECT_ROOT_ENV]: PROJECT_ROOT };
  // Under an outer `node --test`, the child would report to it in its binary protocol instead of printing.
  delete env.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, ['--test', ...files.map((f) => relative(PROJECT_ROOT, f))], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    context.stdout(text);
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    context.stderr(text);
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve(code ?? (signal === null ? EXIT.failed : 128));
    });
  });
}

export const testCommand: Command = {
  name: 'test',
  summary: "build reconcilers, type-check their tests and run them with Node's test runner",
  usage: USAGE,
  async run(args, context) {
    const { values, positionals } = parseCommandArgs(args, {
      force: { type: 'boolean', default: false },
    });
    const started = performance.now();
    const sources = await discover(PROJECT_ROOT);
    const unknown = positionals.filter((n) => !sources.some((s) => s.manifest.name === n));
    if (unknown.length > 0)
      throw new UsageError(
        `no reconciler ${unknown.join(', ')} under reconcilers/: expected one of ${sources.map((s) => s.manifest.name).join(', ')}`,
      );
    const chosen =
      positionals.length > 0 ? sources.filter((s) => positionals.includes(s.manifest.name)) : sources;
    const files: string[] = [];
    for (const source of chosen) {
      const found = await testFilesOf(source);
      if (found.length === 0 && positionals.length > 0) {
        context.stderr(
          `zeroloop test: ${relative(context.cwd, source.dir) || '.'} has no *.test.ts: add a component test (zeroloop new writes one)\n`,
        );
        return EXIT.failed;
      }
      files.push(...found);
    }
    if (files.length === 0) {
      context.stderr('zeroloop test: no *.test.ts in any reconciler folder: nothing to run\n');
      return EXIT.failed;
    }

    try {
      let summary: BuildSummary = { built: [], upToDate: [], notBuilt: [] };
      await buildReconcilers({
        log: progress(context, false),
        only: positionals,
        force: values.force,
        onSummary: (s) => (summary = s),
      });
      context.stdout(summaryLines(summary, Math.round(performance.now() - started)));
      const t0 = performance.now();
      typecheckRoots('tests', files);
      context.stdout(
        `type-checked ${String(files.length)} test file(s) in ${String(Math.round(performance.now() - t0))} ms\n`,
      );
    } catch (error) {
      if (error instanceof UnknownReconcilerName) throw new UsageError(error.message);
      if (!(error instanceof PipelineError)) throw error;
      context.stderr(`zeroloop test: ${error.name}: ${error.message}\n`);
      return EXIT.failed;
    } finally {
      // esbuild's service process would keep the CLI alive.
      await stopEsbuild();
    }
    return nodeTest(files, context);
  },
};
