// `zeroloop build [name…]`: the reconciler build pipeline (npm run build:reconcilers), for some or all reconcilers.
import { stop as stopEsbuild } from 'esbuild';
import { PipelineError } from '../../reconcilers/pipeline/errors.ts';
import type { Logger } from '../../reconcilers/pipeline/log.ts';
import { buildReconcilers, UnknownReconcilerName } from '../../reconcilers/pipeline/pipeline.ts';
import { parseCommandArgs } from '../args.ts';
import { EXIT, UsageError, type Command, type CommandContext } from '../command.ts';

const USAGE = `usage: zeroloop build [name…] [--force] [--json]

Builds reconcilers with the pipeline (typecheck, bundle, componentize, transpile for workerd) and
rewrites the worker's registries; incremental, so unchanged reconcilers are skipped. With names,
builds only those (the others keep their last build). The same as \`npm run build:reconcilers\`.

options:
  --force   rebuild even unchanged reconcilers
  --json    print the pipeline's JSON progress lines (stderr) instead of one line per reconciler

exit codes: 0 built, 1 a build failed (the message names the reconciler and file), 2 bad arguments
`;

/** One readable line per reconciler, or every JSON line with `json`. */
function progress(context: CommandContext, json: boolean): Logger {
  return (event, fields = {}) => {
    if (json) {
      context.stderr(`${JSON.stringify({ time: new Date().toISOString(), event, ...fields })}\n`);
      return;
    }
    const name = String(fields.reconciler);
    if (event === 'reconciler.built') context.stdout(`${name}: built in ${String(fields.ms)} ms\n`);
    if (event === 'reconciler.skip') context.stdout(`${name}: up to date\n`);
    if (event === 'step.start' && fields.step === 'componentize')
      context.stdout(`${name}: componentizing (the slow step)…\n`);
  };
}

export const buildCommand: Command = {
  name: 'build',
  summary: 'build reconcilers into WebAssembly components and the worker registry',
  usage: USAGE,
  async run(args, context) {
    const { values, positionals } = parseCommandArgs(args, {
      force: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    });
    const started = performance.now();
    try {
      const entries = await buildReconcilers({
        log: progress(context, values.json),
        only: positionals,
        force: values.force,
      });
      context.stdout(
        `built ${String(entries.length)} reconciler(s) in ${String(Math.round(performance.now() - started))} ms\n`,
      );
      return EXIT.ok;
    } catch (error) {
      if (error instanceof UnknownReconcilerName) throw new UsageError(error.message);
      if (!(error instanceof PipelineError)) throw error;
      context.stderr(`zeroloop build: ${error.name}: ${error.message}\n`);
      return EXIT.failed;
    } finally {
      // esbuild's service process would keep the CLI alive.
      await stopEsbuild();
    }
  },
};
