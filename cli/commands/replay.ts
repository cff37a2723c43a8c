// `zeroloop replay <file>`: runs a recorded request against the BUILT component in Node and diffs its answer with the recorded one.
import { readFile } from 'node:fs/promises';
import { builtHash } from '../../reconcilers/pipeline/cache.ts';
import { UnknownReconciler } from '../../reconcilers/pipeline/node-loader.ts';
import { loadBuilt, reconcile, type Outcome } from '../testing/component.ts';
import { parseRecording, RecordingInvalid, type Recording } from '../../relay/record/recording.ts';
import { diffAnswers } from '../answer-diff.ts';
import { parseCommandArgs } from '../args.ts';
import { EXIT, UsageError, type Command } from '../command.ts';
import { errorMessage } from '../../src/error-message.ts';

const USAGE = `usage: zeroloop replay <file> [--reconciler name] [--json]

Runs the request of a recorded reconcile (a file the relay's recorder wrote, see \`zeroloop record\`)
against the BUILT component in Node: no cluster, no workerd, no network. Prints the new answer and
what differs from the recorded one, so a code change's effect on the children shows before it is
deployed. Rebuild first (\`zeroloop build <name>\`) to replay new code.

options:
  --reconciler NAME   replay against this built reconciler instead of the recorded one
  --json              print {equal, differences, answer, recorded, timings} as JSON

exit codes:
  0  the answer is the same as the recorded one (a refusal matches when the recorded message ends
     with the same err text)
  1  it differs, the component trapped, or the recording holds no answer to compare with
  2  bad arguments, a file that is not a recording, or a reconciler that is not built
`;

/** The differences between what was recorded and what the replay gave, one line each (none: equal). */
export function compare(recorded: Recording['answer'], replayed: Outcome): string[] {
  if ('none' in recorded)
    return [`the recording holds no answer (${recorded.none}): nothing to compare with`];
  if ('ok' in recorded) {
    if (replayed.ok) return diffAnswers(recorded.ok, replayed.ok);
    return [`recorded an answer; the replay refused: ${replayed.err}`];
  }
  if (replayed.err !== undefined)
    return recorded.err.endsWith(replayed.err) ? [] : [`err: ${recorded.err} → ${replayed.err}`];
  return [`recorded a refusal (${recorded.err}); the replay answered`];
}

const short = (hash: string | null | undefined): string => (hash ? hash.slice(0, 12) : 'unknown');

export const replayCommand: Command = {
  name: 'replay',
  summary: 'run a recorded request against the built component in Node and diff the answer',
  usage: USAGE,
  async run(args, context) {
    const { values, positionals } = parseCommandArgs(args, {
      reconciler: { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    const [file, ...extra] = positionals;
    if (file === undefined)
      throw new UsageError('missing <file>: a recording, like .zeroloop/recordings/website/…json');
    if (extra.length > 0) throw new UsageError(`one file at a time; also got ${extra.join(' ')}`);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read ${file}: ${errorMessage(error)}`);
    }
    let recording: Recording;
    try {
      recording = parseRecording(file, text);
    } catch (error) {
      if (error instanceof RecordingInvalid) throw new UsageError(error.message);
      throw error;
    }
    const name = values.reconciler ?? recording.reconciler;

    const started = performance.now();
    let component;
    try {
      component = await loadBuilt(name);
    } catch (error) {
      if (error instanceof UnknownReconciler) throw new UsageError(error.message);
      throw error;
    }
    const loaded = performance.now();
    let outcome: Outcome;
    try {
      outcome = reconcile(component, recording.request);
    } catch (error) {
      context.stderr(`zeroloop replay: ${name} trapped on ${recording.key}: ${errorMessage(error)}\n`);
      return EXIT.failed;
    }
    const done = performance.now();
    const timings = { loadMs: round(loaded - started), reconcileMs: round(done - loaded) };
    const differences = compare(recording.answer, outcome);
    const build = await builtHash(name);

    if (values.json) {
      const answer = outcome.ok ?? { err: outcome.err };
      context.stdout(
        `${JSON.stringify({ equal: differences.length === 0, differences, answer, recorded: recording.answer, build, recordedBuild: recording.buildHash, timings }, null, 2)}\n`,
      );
    } else {
      context.stdout(
        `replayed ${recording.key} (${recording.trigger.type}, recorded ${recording.recordedAt}) against ${name}` +
          ` build ${short(build)}${recording.buildHash === build ? ' (the recorded build)' : `; recorded with build ${short(recording.buildHash)}`}` +
          ` in ${String(timings.loadMs)} ms load + ${String(timings.reconcileMs)} ms reconcile\n`,
      );
      if (recording.redacted.length > 0)
        context.stdout(
          `note: ${String(recording.redacted.length)} Secret value(s) were redacted when recorded\n`,
        );
      context.stdout(`\nanswer:\n${JSON.stringify(outcome.ok ?? { err: outcome.err }, null, 2)}\n\n`);
      context.stdout(
        differences.length === 0
          ? 'same as the recorded answer\n'
          : `differs from the recorded answer (${String(differences.length)}):\n${differences.map((d) => `  ${d}\n`).join('')}`,
      );
    }
    return differences.length === 0 ? EXIT.ok : EXIT.failed;
  },
};

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
