// Runs the jco CLI in a child Node process (with the preopen workaround) and returns its output.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MODULE_EXT, packageDir } from './paths.ts';

const run = promisify(execFile);
const JCO_BIN = join(packageDir('@bytecodealliance/jco'), 'dist', 'jco.js');
const PREOPENS = new URL(`./preopens${MODULE_EXT}`, import.meta.url).pathname;

export interface JcoResult {
  stdout: string;
  stderr: string;
}

/** Thrown when jco exits non-zero; `output` holds what it printed. */
export class JcoFailed extends Error {
  override readonly name = 'JcoFailed';
  readonly output: string;
  constructor(args: readonly string[], output: string) {
    super(`jco ${args[0] ?? ''} failed:\n${output.trim()}`);
    this.output = output;
  }
}

export async function jco(args: readonly string[]): Promise<JcoResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', PREOPENS, JCO_BIN, ...args], {
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    return { stdout, stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message?: string };
    throw new JcoFailed(args, [e.stderr, e.stdout].filter(Boolean).join('\n') || String(e.message));
  }
}
