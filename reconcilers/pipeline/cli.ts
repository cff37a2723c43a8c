// `npm run build:reconcilers [-- --force] [names...]`: builds every reconciler and fixture, then the registries.
import { parseArgs } from 'node:util';
import { PipelineError } from './errors.ts';
import { stderrLogger } from '../../relay/observe/log.ts';
import { buildReconcilers } from './pipeline.ts';
import { errorMessage } from '../../src/error-message.ts';

const log = stderrLogger('build:reconcilers');
const started = performance.now();
try {
  const { values, positionals } = parseArgs({
    options: { force: { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  await buildReconcilers({ log, only: positionals, force: values.force });
  log.info('build.done', { ms: Math.round(performance.now() - started) });
} catch (error) {
  const fields = error instanceof PipelineError ? { reconciler: error.reconciler, file: error.file } : {};
  log.info('build.failed', { error: error instanceof Error ? error.name : 'Error', ...fields });
  process.stderr.write(`\nbuild:reconcilers failed: ${errorMessage(error)}\n`);
  process.exitCode = 1;
}
