// `zeroloop record`: lists the reconciles the relay recorded (newest last) and says how to record a primary.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { RECORDINGS_DIR } from '../../local/args.ts';
import { PROJECT_ROOT } from '../../reconcilers/pipeline/paths.ts';
import { parseRecording, RECORD_ANNOTATION, RecordingInvalid } from '../../relay/record/recording.ts';
import { parseCommandArgs } from '../args.ts';
import { EXIT, UsageError, type Command } from '../command.ts';

const USAGE = `usage: zeroloop record [reconciler…] [--dir DIR] [--last N]

Lists the reconciles the relay recorded, newest last: time, reconciler, primary, trigger, result, the
build that answered, and the file to pass to \`zeroloop replay\`.

The relay of \`npm start\` / \`zeroloop dev\` records every reconcile of a primary annotated
${RECORD_ANNOTATION}: "true" (all reconciles with --record-all) into ${relative(PROJECT_ROOT, RECORDINGS_DIR)}/<reconciler>/,
one JSON file per reconcile holding the request, the answer and the build hash. Secret values
(data, stringData, kubectl's last-applied annotation) are redacted. To record a Website:

  kubectl annotate website hello ${RECORD_ANNOTATION}=true        # and ${RECORD_ANNOTATION}- to stop

options:
  --dir DIR    read recordings from DIR (default: ${relative(PROJECT_ROOT, RECORDINGS_DIR)} in the repository)
  --last N     only the N newest (default 20)

exit codes: 0 listed (also when there is none yet), 2 bad arguments
`;

interface Row {
  recordedAt: string;
  line: string;
}

export const recordCommand: Command = {
  name: 'record',
  summary: 'list recorded reconciles (annotate a primary zeroloop.dev/record=true to record it)',
  usage: USAGE,
  async run(args, context) {
    const { values, positionals } = parseCommandArgs(args, {
      dir: { type: 'string' },
      last: { type: 'string', default: '20' },
    });
    const last = Number(values.last);
    if (!Number.isInteger(last) || last < 1)
      throw new UsageError(`--last "${values.last}": give a whole number ≥ 1`);
    const dir = values.dir ?? RECORDINGS_DIR;
    const reconcilers =
      positionals.length > 0
        ? positionals
        : (await readdir(dir, { withFileTypes: true }).catch(() => []))
            .filter((e) => e.isDirectory())
            .map((e) => e.name);
    const rows: Row[] = [];
    for (const reconciler of reconcilers) {
      const folder = join(dir, reconciler);
      for (const name of (await readdir(folder).catch(() => [])).filter((n) => n.endsWith('.json'))) {
        const file = join(folder, name);
        try {
          const r = parseRecording(file, await readFile(file, 'utf8'));
          const result = 'ok' in r.answer ? r.result : 'err' in r.answer ? 'refused' : r.result;
          rows.push({
            recordedAt: r.recordedAt,
            line: `${r.recordedAt}  ${r.reconciler.padEnd(12)} ${r.key.padEnd(28)} ${r.trigger.type.padEnd(8)} ${result.padEnd(18)} build ${r.buildHash?.slice(0, 12) ?? 'unknown     '}  ${relative(context.cwd, file)}`,
          });
        } catch (error) {
          if (!(error instanceof RecordingInvalid)) throw error;
          context.stderr(`zeroloop record: skipping ${error.message}\n`);
        }
      }
    }
    if (rows.length === 0) {
      context.stdout(
        `no recordings in ${relative(context.cwd, dir) || dir} yet: annotate a primary with ${RECORD_ANNOTATION}=true while \`npm start\` or \`zeroloop dev\` runs\n`,
      );
      return EXIT.ok;
    }
    rows.sort((a, b) => a.recordedAt.localeCompare(b.recordedAt));
    context.stdout(
      `${rows
        .slice(-last)
        .map((r) => r.line)
        .join('\n')}\n`,
    );
    return EXIT.ok;
  },
};
