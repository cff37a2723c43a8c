// The warm toolchain's process: componentize-qjs and jco transpile loaded once, then one job per message.
//
// The same calls the jco CLI makes for `jco componentize --backend qjs` and `jco transpile` (with the options
// commander gives our flags), so the output is byte for byte the CLI's, without a Node process and a jco
// load per step.
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageDir } from './paths.ts';
import type { ToolchainAnswer, ToolchainJob } from './toolchain.ts';
import { errorMessage } from '../../src/error-message.ts';

interface ComponentizeQjs {
  componentize(options: {
    witPath: string;
    jsSource: string;
    jsPath: string;
    world: string;
    sync: boolean;
    stubWasi: boolean;
    optSize?: boolean;
  }): Promise<{ component: Uint8Array }>;
}

type TranspileCmd = (componentPath: string, opts: Record<string, unknown>) => Promise<void>;

const jcoDir = packageDir('@bytecodealliance/jco');
let qjs: Promise<ComponentizeQjs> | undefined;
let transpileCmd: Promise<TranspileCmd> | undefined;

const loadQjs = (): Promise<ComponentizeQjs> =>
  (qjs ??= import(pathToFileURL(join(packageDir('componentize-qjs', jcoDir), 'index.js')).href).then(
    (m) => m as ComponentizeQjs,
  ));
const loadTranspile = (): Promise<TranspileCmd> =>
  (transpileCmd ??= import(pathToFileURL(join(jcoDir, 'dist', 'cmd', 'transpile.js')).href).then(
    (m) => (m as { transpileCmd: TranspileCmd }).transpileCmd,
  ));

async function run(job: ToolchainJob): Promise<void> {
  switch (job.op) {
    case 'componentize-qjs': {
      const qjsModule = await loadQjs();
      // componentize-qjs names the module inside the component by its path from the working directory: the jco
      // CLI works from the bundle's folder (`bundle.js`), so this does too. The size-optimized runtime was always
      // called from the project folder; kept, so that every output stays byte for byte what it was.
      process.chdir(job.optSize ? job.cwd : dirname(job.source));
      const { component } = await qjsModule.componentize({
        witPath: job.witPath,
        jsSource: await readFile(job.source, 'utf8'),
        jsPath: job.source,
        world: job.world,
        sync: true,
        stubWasi: true,
        ...(job.optSize ? { optSize: true } : {}),
      });
      await writeFile(job.out, component);
      return;
    }
    case 'transpile': {
      const transpile = await loadTranspile();
      // What commander makes of `transpile <c> --name N -o D -I async --no-wasi-shim --no-nodejs-compat -b 0 -q`.
      await transpile(job.component, {
        name: job.name,
        outDir: job.outDir,
        instantiation: 'async',
        wasiShim: false,
        nodejsCompat: false,
        base64Cutoff: 0,
        quiet: true,
        typescript: true,
        componentErrorWrapping: true,
        namespacedExports: true,
      });
      return;
    }
    case 'warm':
      await Promise.all([loadQjs(), loadTranspile()]);
      return;
  }
}

const answer = (message: ToolchainAnswer): void => {
  process.send?.(message);
};
/** Jobs run one after another: componentize changes the working directory. */
let queue: Promise<void> = Promise.resolve();
process.on('message', (job: ToolchainJob) => {
  queue = queue
    .then(() => run(job))
    .then(
      () => {
        answer({ id: job.id, ok: true });
      },
      (error: unknown) => {
        answer({ id: job.id, ok: false, error: errorMessage(error) });
      },
    );
});
// The parent went away: nothing more will come.
process.on('disconnect', () => process.exit(0));
