// Typechecks one reconciler's sources (its entry and everything it imports), or its tests, with the project's tsconfig.
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { TypecheckFailed } from './errors.ts';
import { PROJECT_ROOT } from './paths.ts';

let cachedOptions: ts.CompilerOptions | undefined;
/** The previous program: reusing it spares re-parsing the standard library and shared files. */
let previous: ts.Program | undefined;

function compilerOptions(): ts.CompilerOptions {
  if (cachedOptions) return cachedOptions;
  const file = join(PROJECT_ROOT, 'tsconfig.json');
  const read = ts.readConfigFile(file, (path) => ts.sys.readFile(path));
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  cachedOptions = ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(file)).options;
  return cachedOptions;
}

/**
 * Typechecks `entry` and returns the project files it depends on (type-only imports included),
 * so that the cache can hash them. Throws TypecheckFailed naming the first file with an error.
 */
export function typecheck(reconciler: string, entry: string): string[] {
  return typecheckRoots(reconciler, [entry]);
}

/**
 * Typechecks `roots` (a reconciler's test files, say) and what they import; returns the project files read.
 * Throws TypecheckFailed naming the first file with an error.
 */
export function typecheckRoots(reconciler: string, roots: readonly string[]): string[] {
  const entry = roots[0] ?? PROJECT_ROOT;
  const program = ts.createProgram({
    rootNames: roots,
    options: { ...compilerOptions(), noEmit: true },
    ...(previous ? { oldProgram: previous } : {}),
  });
  previous = program;
  const diagnostics = ts.getPreEmitDiagnostics(program);
  if (diagnostics.length > 0) {
    const text = ts.formatDiagnostics(diagnostics, {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => PROJECT_ROOT,
      getNewLine: () => '\n',
    });
    const first = diagnostics.find((d) => d.file)?.file?.fileName ?? entry;
    throw new TypecheckFailed(
      reconciler,
      relative(PROJECT_ROOT, first),
      `type error; fix it and rebuild:\n${text.trim()}`,
    );
  }
  return program
    .getSourceFiles()
    .map((f) => f.fileName)
    .filter((f) => !f.includes('/node_modules/') && f.startsWith(PROJECT_ROOT));
}
