// Fails the build if generated JS would compile or instantiate wasm from bytes at run time (workerd forbids it).
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { WasmFromBytesFound } from './errors.ts';
import { PROJECT_ROOT } from './paths.ts';

/** Calls that compile wasm from bytes or fetch it; instantiating an already compiled Module is fine. */
export const FORBIDDEN: readonly { pattern: RegExp; why: string }[] = [
  { pattern: /new\s+WebAssembly\s*\.\s*Module\s*\(/, why: 'new WebAssembly.Module(bytes)' },
  { pattern: /WebAssembly\s*\.\s*compile(Streaming)?\s*\(/, why: 'WebAssembly.compile(bytes)' },
  { pattern: /WebAssembly\s*\.\s*compileStreaming\b/, why: 'WebAssembly.compileStreaming' },
  { pattern: /WebAssembly\s*\.\s*instantiateStreaming\b/, why: 'WebAssembly.instantiateStreaming' },
  // Instantiating a compiled Module is allowed, but a direct call cannot be told apart from one
  // with bytes; jco passes WebAssembly.instantiate as a value (instantiateCore), never calls it.
  { pattern: /WebAssembly\s*\.\s*instantiate\s*\(/, why: 'WebAssembly.instantiate(bytes)' },
  { pattern: /\batob\s*\(|base64/i, why: 'base64-encoded wasm' },
];

export interface Finding {
  file: string;
  line: number;
  why: string;
}

/** Every forbidden call in the given JS source. */
export function findWasmFromBytes(file: string, js: string): Finding[] {
  const findings: Finding[] = [];
  js.split('\n').forEach((text, i) => {
    for (const { pattern, why } of FORBIDDEN) {
      if (pattern.test(text)) findings.push({ file, line: i + 1, why });
    }
  });
  return findings;
}

/** Scans every `.js` file under `dir`; throws WasmFromBytesFound naming the first offending file and line. */
export async function assertNoWasmFromBytes(reconciler: string, dir: string): Promise<void> {
  const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.js'));
  const findings: Finding[] = [];
  for (const f of files) {
    const path = join(dir, f);
    findings.push(...findWasmFromBytes(relative(PROJECT_ROOT, path), await readFile(path, 'utf8')));
  }
  const first = findings[0];
  if (first) {
    const list = findings.map((f) => `${f.file}:${f.line}: ${f.why}`).join('\n');
    throw new WasmFromBytesFound(
      reconciler,
      first.file,
      `generated JS compiles wasm from bytes at run time, which workerd forbids; the core module must ` +
        `come from a static .wasm import (see extract-wasm.ts):\n${list}`,
    );
  }
}
