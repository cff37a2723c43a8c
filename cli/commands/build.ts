// `zeroloop build [name…]`: the reconciler build pipeline (npm run build:reconcilers), for some or all reconcilers.
import { stop as stopEsbuild } from 'esbuild';
import { PipelineError } from '../../reconcilers/pipeline/errors.ts';
import { createLogger, type Logger } from '../../relay/observe/log.ts';
import {
  buildReconcilers,
  type BuildSummary,
  UnknownReconcilerName,
} from '../../reconcilers/pipeline/pipeline.ts';
import { parseCommandArgs } from '../args.ts';
import { EXIT, UsageError, type Command, type CommandContext } from '../command.ts';

const USAGE = `usage: zeroloop build [name…] [--force] [--json]

Builds reconcilers with the pipeline (typecheck, bundle, componentize, transpile for workerd) and
rewrites the worker's registries; incremental, so unchanged reconcilers are skipped. With names,
builds only those: the registries then hold them and the others' last builds, and a reconciler never
built is left out (the summary names it). The same as \`npm run build:reconcilers\`.

options:
  --force   rebuild even unchanged reconcilers
  --json    print the pipeline's JSON progress lines (stderr) instead of one line per reconciler

exit codes: 0 built, 1 a build failed (the message names the reconciler and file), 2 bad arguments
`;

/** One readable line per reconciler, or every JSON line with `json`. */
export function progress(context: CommandContext, json: boolean): Logger {
  if (json)
    return createLogger(
      {
        level: 'debug',
        write: (line) => {
          context.stderr(`${line}\n`);
        },
      },
      { component: 'build:reconcilers' },
    );
  return createLogger({
    write: () => undefined,
    onRecord: (_level, msg, fields) => {
      const name = String(fields.reconciler);
      if (msg === 'reconciler.built') context.stdout(`${name}: built in ${String(fields.ms)} ms\n`);
      if (msg === 'reconciler.skip') context.stdout(`${name}: up to date\n`);
      if (msg === 'step.start' && fields.step === 'componentize')
        context.stdout(`${name}: componentizing (the slow step)…\n`);
    },
  });
}

const names = (list: readonly string[]): string => (list.length > 0 ? list.join(', ') : 'none');

/** What the run did: built, up to date, and (a partial build) which reconcilers the registries lack and why. */
export function summaryLines(summary: BuildSummary, ms: number): string {
  const lines = [
    `built ${String(summary.built.length)} reconciler(s) in ${String(ms)} ms: ${names(summary.built)}`,
  ];
  if (summary.upToDate.length > 0) lines.push(`up to date (inputs unchanged): ${names(summary.upToDate)}`);
  if (summary.notBuilt.length > 0)
    lines.push(
      `not built (not asked for, never built): ${names(summary.notBuilt)}; the worker's registries leave ` +
        'them out until `zeroloop build` builds them',
    );
  return lines.map((l) => `${l}\n`).join('');
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
      let summary: BuildSummary = { built: [], upToDate: [], notBuilt: [] };
      await buildReconcilers({
        log: progress(context, values.json),
        only: positionals,
        force: values.force,
        onSummary: (s) => (summary = s),
      });
      context.stdout(summaryLines(summary, Math.round(performance.now() - started)));
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
