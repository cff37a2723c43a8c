// Unit tests of the `zeroloop` dispatcher: help lists every command, unknown commands and bad options exit 2.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COMMANDS, main } from './main.ts';

async function zeroloop(...argv: string[]) {
  const out = { code: 0, stdout: '', stderr: '' };
  out.code = await main(argv, {
    cwd: process.cwd(),
    env: process.env,
    stdout: (t) => (out.stdout += t),
    stderr: (t) => (out.stderr += t),
  });
  return out;
}

test('--help lists every command with its summary; a command has its own help', async () => {
  const help = await zeroloop('--help');
  assert.equal(help.code, 0);
  assert.deepEqual(
    COMMANDS.map((c) => c.name),
    ['init', 'new', 'build', 'test', 'dev', 'record', 'replay', 'hook', 'manifests', 'deploy'],
  );
  for (const c of COMMANDS) assert.ok(help.stdout.includes(c.name) && help.stdout.includes(c.summary));
  const replay = await zeroloop('replay', '--help');
  assert.equal(replay.code, 0);
  assert.match(replay.stdout, /^usage: zeroloop replay <file>/);
  assert.match(replay.stdout, /exit codes:/);
});

test('no command, an unknown command or an unknown option exit 2 and say what to do', async () => {
  assert.equal((await zeroloop()).code, 2);
  const unknown = await zeroloop('publish');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "publish"/);
  const option = await zeroloop('new', 'x', '--kind', 'X');
  assert.equal(option.code, 2);
  assert.match(option.stderr, /zeroloop new: Unknown option '--kind'/);
  assert.match(option.stderr, /usage: zeroloop new <name>/);
});
