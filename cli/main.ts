#!/usr/bin/env node
// `zeroloop`: the reconciler author's command line; dispatches to one subcommand per file in cli/commands/.
import type { Command, CommandContext } from './command.ts';
import { EXIT, UsageError } from './command.ts';
import { buildCommand } from './commands/build.ts';
import { deployCommand } from './commands/deploy.ts';
import { devCommand } from './commands/dev.ts';
import { hookCommand } from './commands/hook.ts';
import { initCommand } from './commands/init.ts';
import { manifestsCommand } from './commands/manifests.ts';
import { newCommand } from './commands/new.ts';
import { recordCommand } from './commands/record.ts';
import { replayCommand } from './commands/replay.ts';
import { testCommand } from './commands/test.ts';

/** Every subcommand, in the order `zeroloop --help` lists them. */
export const COMMANDS: readonly Command[] = [
  initCommand,
  newCommand,
  buildCommand,
  testCommand,
  devCommand,
  recordCommand,
  replayCommand,
  hookCommand,
  manifestsCommand,
  deployCommand,
];

function help(): string {
  const width = Math.max(0, ...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `usage: zeroloop <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun \`zeroloop <command> --help\` for a command's options.\n`;
}

/** Runs one command line and resolves to its exit code; never calls process.exit itself. */
export async function main(argv: readonly string[], context: CommandContext): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    context.stdout(help());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    context.stderr(`zeroloop: unknown command "${name}"\n\n${help()}`);
    return EXIT.usage;
  }
  if (args.includes('--help') || args.includes('-h')) {
    context.stdout(command.usage);
    return EXIT.ok;
  }
  try {
    return await command.run(args, context);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    context.stderr(`zeroloop ${name}: ${error.message}\n\n${command.usage}`);
    return EXIT.usage;
  }
}

if (import.meta.main) {
  const code = await main(process.argv.slice(2), {
    cwd: process.cwd(),
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
  process.exitCode = code;
}
