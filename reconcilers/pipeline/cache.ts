// Decides whether a reconciler must be rebuilt: a hash over its inputs, the WIT, the pipeline and the toolchain.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import * as z from 'zod/mini';
import { groupDir, packageDir, PIPELINE_DIR, PROJECT_ROOT, SDK_DIR, SDK_GO_DIR, WIT_DIR } from './paths.ts';

/** What a finished build records in `<out>/build.json`; its presence with a matching hash means "up to date". */
export const BuildRecord = z.object({
  name: z.string(),
  backend: z.string(),
  optimize: z.string(),
  hash: z.string(),
  /** Repository-relative files the last build read (bundle inputs and typechecked files). */
  inputs: z.array(z.string()),
  /** The core modules `<name>.js` asks for, by name, and their sha-256 in the shared store (core-store.ts). */
  wasm: z.array(z.object({ file: z.string(), sha256: z.string() })),
  /** sha-256 of jco's transpiled JS in the shared store; `<name>.js` re-exports it. */
  js: z.string(),
  /** The `zeroloop:reconciler` version the component imports (component-wit.ts): what a worker checks it against. */
  wit: z.string(),
  sizes: z.object({
    bundleBytes: z.number(),
    componentBytes: z.number(),
    jsBytes: z.number(),
    wasmBytes: z.number(),
    gzipBytes: z.number(),
  }),
  buildMs: z.number(),
});
export type BuildRecord = z.infer<typeof BuildRecord>;

async function filesUnder(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  } catch {
    return [];
  }
}

function versionOf(pkg: string, from?: string): string {
  try {
    const dir = packageDir(pkg, from === undefined ? undefined : packageDir(from));
    const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
    return json.version;
  } catch {
    return 'absent';
  }
}

/** Versions of everything that shapes the output. */
export function toolchain(): Record<string, string> {
  return {
    node: process.version,
    jco: versionOf('@bytecodealliance/jco'),
    'componentize-qjs': versionOf('componentize-qjs', '@bytecodealliance/jco'),
    'componentize-js': versionOf('@bytecodealliance/componentize-js', '@bytecodealliance/jco'),
    esbuild: versionOf('esbuild'),
    typescript: versionOf('typescript'),
  };
}

/** Go sources and module files (not tests) under `dir`. */
async function goFilesUnder(dir: string): Promise<string[]> {
  return (await filesUnder(dir)).filter(
    (f) => (f.endsWith('.go') && !f.endsWith('_test.go')) || f.endsWith('/go.mod') || f.endsWith('/go.sum'),
  );
}

/**
 * The input hash of one reconciler: its manifest and `src/`, the SDK's and the pipeline's own code, the
 * WIT package it is built against (`witDir`), the toolchain versions, and every file the last build actually read (bundle inputs and
 * typechecked files, which covers shared code such as src/contract). CRDs, samples and tests are not inputs.
 * A Go reconciler (`extra.go` = `go version`) hashes its folder's Go files and the Go SDK's instead of `src/`.
 */
export async function inputHash(
  dir: string,
  variant: string,
  previousInputs: readonly string[],
  extra: Record<string, string> = {},
  witDir: string = WIT_DIR,
): Promise<string> {
  const files = new Set<string>([join(dir, 'reconciler.json')]);
  const code = (f: string) =>
    (f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.includes('/node_modules/')) || f.endsWith('.wat');
  for (const f of await filesUnder(join(dir, 'src'))) files.add(f);
  if (extra.go !== undefined) {
    for (const f of [...(await goFilesUnder(dir)), ...(await goFilesUnder(SDK_GO_DIR))]) files.add(f);
  }
  for (const f of await filesUnder(witDir)) files.add(f);
  for (const root of [SDK_DIR, PIPELINE_DIR])
    for (const f of (await filesUnder(root)).filter(code)) files.add(f);
  for (const f of previousInputs) files.add(join(PROJECT_ROOT, f));
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ variant, toolchain: { ...toolchain(), ...extra } }));
  for (const f of [...files].sort()) {
    hash.update(`\0${relative(PROJECT_ROOT, f)}\0`);
    try {
      hash.update(await readFile(f));
    } catch {
      hash.update('(missing)');
    }
  }
  return hash.digest('hex');
}

/** The record of the last successful build in `outDir`, if any. */
export async function readRecord(outDir: string): Promise<BuildRecord | undefined> {
  try {
    const parsed = BuildRecord.safeParse(JSON.parse(await readFile(join(outDir, 'build.json'), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The hash of the last build of example reconciler `name` (build/reconcilers/<name>/build.json), if any. */
export async function builtHash(name: string): Promise<string | undefined> {
  return (await readRecord(join(groupDir('examples'), name)))?.hash;
}

export function relativeInputs(files: Iterable<string>): string[] {
  return [...new Set([...files].map((f) => relative(PROJECT_ROOT, f)))]
    .filter((f) => !f.startsWith('..'))
    .sort();
}

export const recordPath = (outDir: string): string => join(outDir, 'build.json');
