// A hook's filter: a CEL expression over `body` (the parsed JSON payload) and `headers` (lowercase names), through @marcbachmann/cel-js.
import { Environment } from '@marcbachmann/cel-js';
import { errorMessage } from '../../src/error-message.ts';

/** Expressions are small: far below CEL's minimum limits would refuse anything a person writes by hand. */
const env = new Environment({ unlistedVariablesAreDyn: true, limits: { maxAstNodes: 1000, maxDepth: 32 } });

type Program = (context: Record<string, unknown>) => unknown;

export type Compiled = { ok: true; program: Program } | { ok: false; message: string };
export type FilterOutcome = { ok: true; matched: boolean } | { ok: false; message: string };

/** Compiled programs by expression text; a hook set rarely holds many. */
const programs = new Map<string, Compiled>();
const MAX_PROGRAMS = 256;

/** The first line of a CEL error (later lines draw the expression with a caret). */
function firstLine(error: unknown): string {
  return (errorMessage(error).split('\n')[0] ?? '').slice(0, 200);
}

/** Parses `expression` once; a syntax error is kept and reported on every use. */
export function compileFilter(expression: string): Compiled {
  let compiled = programs.get(expression);
  if (compiled === undefined) {
    try {
      const parsed = env.parse(expression);
      compiled = { ok: true, program: (context) => parsed(context) as unknown };
    } catch (error) {
      compiled = { ok: false, message: `filter does not parse: ${firstLine(error)}` };
    }
    if (programs.size >= MAX_PROGRAMS) programs.clear();
    programs.set(expression, compiled);
  }
  return compiled;
}

/**
 * Runs `expression` over one delivery. Only `true` matches; any other value is a failure that names its
 * type. The message goes back to the sender in the answer, never into a log (it may quote the payload).
 */
export function runFilter(expression: string, body: unknown, headers: Record<string, string>): FilterOutcome {
  const compiled = compileFilter(expression);
  if (!compiled.ok) return compiled;
  try {
    const value = compiled.program({ body, headers });
    if (typeof value === 'boolean') return { ok: true, matched: value };
    return { ok: false, message: `filter gave a ${typeof value}, not a bool` };
  } catch (error) {
    return { ok: false, message: `filter failed: ${firstLine(error)}` };
  }
}
