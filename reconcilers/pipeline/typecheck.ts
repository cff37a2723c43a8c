// Typechecks one reconciler's sources (its entry and everything it imports), or its tests, with the project's tsconfig.
import { statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { TypecheckFailed } from './errors.ts';
import { PROJECT_ROOT } from './paths.ts';

let cachedOptions: ts.CompilerOptions | undefined;
/**
 * The previous check: its program's unchanged files are reused (not re-parsed) and its semantic diagnostics of
 * files the change cannot affect are kept (not re-checked). A `zeroloop dev` rebuild checks what changed.
 */
let previous: ts.SemanticDiagnosticsBuilderProgram | undefined;
/** Parsed files by path, with the file's mtime and size when parsed: the compiler host hands back the same object. */
const parsed = new Map<string, { version: string; file: ts.SourceFile }>();

function fileVersion(path: string): string | undefined {
  try {
    const s = statSync(path);
    return `${String(s.mtimeMs)}:${String(s.size)}`;
  } catch {
    return undefined;
  }
}

/** A compiler host that parses a file again only when its mtime or size changed, so a program reuses the rest. */
function cachingHost(options: ts.CompilerOptions): ts.CompilerHost {
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (path, languageVersion, onError, shouldCreate) => {
    const version = fileVersion(path);
    const hit = parsed.get(path);
    if (version !== undefined && hit?.version === version) return hit.file;
    const file = read(path, languageVersion, onError, shouldCreate);
    if (file === undefined) return undefined;
    // The builder compares versions to know what changed.
    (file as ts.SourceFile & { version: string }).version = version ?? `unread:${String(Date.now())}`;
    if (version !== undefined) parsed.set(path, { version, file });
    return file;
  };
  return host;
}

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
  const options = { ...compilerOptions(), noEmit: true };
  const builder = ts.createSemanticDiagnosticsBuilderProgram(
    [...roots],
    options,
    cachingHost(options),
    previous,
  );
  previous = builder;
  const program = builder.getProgram();
  // What getPreEmitDiagnostics reports, with the semantic part from the builder's cache where it still holds.
  const diagnostics = [
    ...builder.getConfigFileParsingDiagnostics(),
    ...builder.getOptionsDiagnostics(),
    ...builder.getGlobalDiagnostics(),
    ...builder.getSyntacticDiagnostics(),
    ...builder.getSemanticDiagnostics(),
  ];
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
