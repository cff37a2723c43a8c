// `zeroloop deploy [--dry-run]`: builds the project's reconcilers, bundles its worker, checks the size limit, then `wrangler deploy`.
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { stop as stopEsbuild } from 'esbuild';
import { PipelineError } from '../../reconcilers/pipeline/errors.ts';
import { packageDir, PROJECT_ROOT } from '../../reconcilers/pipeline/paths.ts';
import { buildReconcilers } from '../../reconcilers/pipeline/pipeline.ts';
import { silentLogger } from '../../relay/observe/log.ts';
import { parseCommandArgs } from '../args.ts';
import { EXIT, UsageError, type Command, type CommandContext } from '../command.ts';
import {
  BundleTooLarge,
  checkBundleSize,
  kib,
  measureBundle,
  WORKER_SIZE_LIMITS,
  type WorkersPlan,
} from '../deploy/bundle-size.ts';

const USAGE = `usage: zeroloop deploy [--dry-run] [--plan free|paid] [--outdir DIR] [-- wrangler options…]

Deploys this project's worker: builds every reconciler under reconcilers/, bundles worker/index.ts with
wrangler (\`wrangler deploy --dry-run --outdir\`), lists its modules with their sizes, and refuses a
bundle over the Workers plan's compressed size limit (3 MiB gzip on Free, 10 MiB on Paid), naming the
largest modules. Then it runs \`wrangler deploy\` with this project's wrangler.toml; options after \`--\`
go to wrangler (e.g. \`-- --env production\`). The worker holds this project's reconcilers and nothing
else. Set its signing secret first: \`npx wrangler secret put SIGNING_SECRET\`.

options:
  --dry-run      build, bundle and check only; upload nothing
  --plan PLAN    free (default) or paid: which size limit applies
  --outdir DIR   where the bundle goes (default: dist)

exit codes: 0 deployed (or checked), 1 a build, the bundle or the upload failed, 2 bad arguments
`;

/** Runs wrangler (the project's, with this Node) and resolves to its exit code; its output goes to ours. */
function wrangler(
  args: readonly string[],
  context: CommandContext,
  quiet: boolean,
): Promise<{ code: number; output: string }> {
  const bin = join(packageDir('wrangler'), 'bin', 'wrangler.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: PROJECT_ROOT,
      env: { ...context.env, WRANGLER_SEND_METRICS: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const take = (chunk: Buffer, write: (text: string) => void) => {
      output += chunk.toString();
      if (!quiet) write(chunk.toString());
    };
    child.stdout.on('data', (chunk: Buffer) => {
      take(chunk, context.stdout);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      take(chunk, context.stderr);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code: code ?? 1, output });
    });
  });
}

export const deployCommand: Command = {
  name: 'deploy',
  summary: "bundle this project's worker, check the Workers size limit, and deploy it with wrangler",
  usage: USAGE,
  async run(args, context) {
    const { values, positionals } = parseCommandArgs(args, {
      'dry-run': { type: 'boolean', default: false },
      plan: { type: 'string', default: 'free' },
      outdir: { type: 'string', default: 'dist' },
    });
    if (!Object.hasOwn(WORKER_SIZE_LIMITS, values.plan))
      throw new UsageError(`--plan "${values.plan}": use free or paid`);
    const plan = values.plan as WorkersPlan;
    const outDir = join(PROJECT_ROOT, values.outdir);

    let built;
    try {
      built = await buildReconcilers({ log: silentLogger });
    } catch (error) {
      if (!(error instanceof PipelineError)) throw error;
      context.stderr(`zeroloop deploy: ${error.name}: ${error.message}\n`);
      return EXIT.failed;
    } finally {
      await stopEsbuild();
    }
    const names = built.filter((e) => e.group === 'examples').map((e) => e.record.name);
    if (names.length === 0) {
      context.stderr(
        'zeroloop deploy: no reconcilers under reconcilers/: create one with `npx zeroloop new <name>`\n',
      );
      return EXIT.failed;
    }

    await rm(outDir, { recursive: true, force: true });
    const bundled = await wrangler(['deploy', '--dry-run', '--outdir', outDir], context, true);
    if (bundled.code !== 0) {
      context.stderr(`zeroloop deploy: wrangler could not bundle the worker:\n${bundled.output.trim()}\n`);
      return EXIT.failed;
    }
    const size = await measureBundle(outDir);
    context.stdout(
      `worker bundle ${relative(context.cwd, outDir) || '.'}/: ${String(size.modules.length)} modules, ` +
        `${kib(size.rawBytes)} (${kib(size.gzipBytes)} gzip; ${plan} plan limit ${kib(WORKER_SIZE_LIMITS[plan])})\n` +
        `reconcilers: ${names.join(', ')}\n` +
        size.modules
          .slice(0, 5)
          .map((m) => `  ${m.file}  ${kib(m.rawBytes)}  ${kib(m.gzipBytes)} gzip\n`)
          .join(''),
    );
    try {
      checkBundleSize(size, plan);
    } catch (error) {
      if (!(error instanceof BundleTooLarge)) throw error;
      context.stderr(`zeroloop deploy: ${error.message}\n`);
      return EXIT.failed;
    }
    if (values['dry-run']) {
      context.stdout('dry run: nothing uploaded\n');
      return EXIT.ok;
    }
    const deployed = await wrangler(['deploy', ...positionals], context, false);
    return deployed.code === 0 ? EXIT.ok : EXIT.failed;
  },
};
