// The shape every `zeroloop` subcommand implements, and the typed usage error it throws.

/** Where a command reads its environment and writes its output; tests pass their own. */
export interface CommandContext {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** One subcommand: `zeroloop <name> …`. `run` resolves to the process exit code. */
export interface Command {
  readonly name: string;
  /** One line for `zeroloop --help`. */
  readonly summary: string;
  /** The full help text for `zeroloop <name> --help`. */
  readonly usage: string;
  run(args: readonly string[], context: CommandContext): Promise<number>;
}

/** Bad arguments: the CLI prints the message and the command's usage, and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
