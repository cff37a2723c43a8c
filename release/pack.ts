// Stages each publishable package (release/packages.ts) under build/release/stage/ and packs it with `npm pack`.
import { execFile } from 'node:child_process';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildImageTree } from '../deploy/image-tree.ts';
import { PACKAGES, type PackageSpec } from './packages.ts';

const run = promisify(execFile);
export const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
export const RELEASE_DIR = join(REPO_ROOT, 'build', 'release');

/** Staging or packing one package failed; names the package and what to fix. */
export class PackFailed extends Error {
  override readonly name = 'PackFailed';
  readonly packageName: string;
  constructor(packageName: string, message: string, options?: ErrorOptions) {
    super(`${packageName}: ${message}`, options);
    this.packageName = packageName;
  }
}

interface WorkspaceManifest {
  name: string;
  version: string;
  description?: string;
  license?: string;
  type?: string;
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
  bin?: Record<string, string>;
  exports?: unknown;
}

export interface PackedPackage {
  name: string;
  version: string;
  /** The tarball's absolute path. */
  tarball: string;
  /** Bytes of the tarball, and of the files it holds. */
  size: number;
  unpackedSize: number;
  files: number;
}

async function readManifest(dir: string): Promise<WorkspaceManifest> {
  return JSON.parse(await readFile(join(REPO_ROOT, dir, 'package.json'), 'utf8')) as WorkspaceManifest;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/** Every workspace folder (absolute, with a trailing separator) → its package name. */
async function workspaceNames(): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const spec of PACKAGES)
    names.set(join(REPO_ROOT, spec.dir) + sep, (await readManifest(spec.dir)).name);
  return names;
}

const RELATIVE_IMPORT = /(from\s+|import\s*\(\s*)'(\.{1,2}\/[^']+)'/g;

/**
 * Rewrites the relative imports of `file` (a source of the package in `packageDir`) that leave the
 * package into imports of the package that holds their target: `../../src/keys.ts` → `@zeroloop/protocol/keys.ts`.
 */
export function rewriteImports(
  text: string,
  file: string,
  packageDir: string,
  workspaces: ReadonlyMap<string, string>,
): string {
  return text.replace(RELATIVE_IMPORT, (whole, lead: string, specifier: string) => {
    const target = resolve(dirname(file), specifier);
    if (target.startsWith(packageDir)) return whole;
    for (const [dir, name] of workspaces)
      if (target.startsWith(dir)) return `${lead}'${name}/${relative(dir, target)}'`;
    throw new PackFailed(
      relative(REPO_ROOT, file),
      `imports ${specifier}, which is in no published package: move it into one, or into this package`,
    );
  });
}

async function stageSources(spec: PackageSpec, manifest: WorkspaceManifest, stage: string): Promise<void> {
  const packageDir = join(REPO_ROOT, spec.dir) + sep;
  const workspaces = await workspaceNames();
  const skipped = (file: string) =>
    file.endsWith('.test.ts') ||
    file.split(sep)[0] === 'node_modules' ||
    file === 'package.json' ||
    (spec.skip ?? []).some((folder) => file.startsWith(folder + sep)) ||
    (spec.skipFiles ?? []).includes(file);
  for (const file of await filesUnder(packageDir)) {
    if (skipped(file)) continue;
    const out = join(stage, file);
    await mkdir(dirname(out), { recursive: true });
    const text = await readFile(join(packageDir, file), 'utf8');
    await writeFile(
      out,
      file.endsWith('.ts') ? rewriteImports(text, join(packageDir, file), packageDir, workspaces) : text,
    );
  }
  await writeManifest(stage, manifest);
}

async function stageRelayBundle(manifest: WorkspaceManifest, stage: string): Promise<void> {
  await buildImageTree(stage);
  await rm(join(stage, 'package.json'), { force: true });
  // Everything is in the bundle: no dependencies, and nothing to import but the executable.
  await writeManifest(stage, {
    ...withoutFields(manifest, ['dependencies', 'exports']),
    bin: { 'zeroloop-relay': 'relay.mjs' },
  });
  await cp(join(REPO_ROOT, 'relay', 'README.md'), join(stage, 'README.md'));
}

const BARE_IMPORT = /(?:from\s+|import\s*\(\s*)'([^.'/][^']*)'/g;

/** The npm packages a compiled module imports (`zod/mini` → `zod`, `@scope/x/y` → `@scope/x`), not `node:` builtins. */
export function importedPackages(text: string): Set<string> {
  const names = new Set<string>();
  for (const [, specifier = ''] of text.matchAll(BARE_IMPORT)) {
    if (specifier.startsWith('node:') || specifier.includes('${')) continue;
    const parts = specifier.split('/');
    names.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier));
  }
  return names;
}

/**
 * Every package the compiled files import must be a dependency of the package that ships them: the CLI
 * compiles the relay, the pipeline and the control plane's code in, and inherits their imports.
 */
async function checkDependencies(
  spec: PackageSpec,
  stage: string,
  manifest: WorkspaceManifest,
): Promise<void> {
  const declared = new Set([...Object.keys(manifest.dependencies ?? {}), ...(spec.optionalImports ?? [])]);
  const missing = new Map<string, string>();
  for (const file of await filesUnder(stage)) {
    if (!file.endsWith('.js') || (spec.assets ?? []).some((asset) => file.startsWith(`${asset}/`))) continue;
    for (const name of importedPackages(await readFile(join(stage, file), 'utf8')))
      if (!declared.has(name) && !missing.has(name)) missing.set(name, file);
  }
  if (missing.size > 0)
    throw new PackFailed(
      manifest.name,
      `its compiled code imports packages its package.json does not list: ${[...missing]
        .map(([name, file]) => `${name} (${file})`)
        .join(', ')}; add them to its dependencies`,
    );
}

async function stageCompiled(spec: PackageSpec, manifest: WorkspaceManifest, stage: string): Promise<void> {
  const tsconfig = join(stage, '..', `${manifest.name.replace('/', '+')}.tsconfig.json`);
  await writeFile(
    tsconfig,
    JSON.stringify({
      extends: join(REPO_ROOT, 'tsconfig.json'),
      compilerOptions: {
        noEmit: false,
        noEmitOnError: true,
        declaration: true,
        outDir: stage,
        rootDir: REPO_ROOT,
        // The config may live outside the repository (a test's stage folder): find @types here.
        typeRoots: [join(REPO_ROOT, 'node_modules', '@types')],
      },
      include: (spec.entries ?? []).map((e) => join(REPO_ROOT, e)),
      exclude: [join(REPO_ROOT, '**', '*.test.ts'), ...(spec.assets ?? []).map((a) => join(REPO_ROOT, a))],
    }),
  );
  const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    await run(process.execPath, [tsc, '-p', tsconfig], { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const out = (error as { stdout?: string }).stdout ?? '';
    throw new PackFailed(manifest.name, `tsc failed to compile it:\n${out.slice(0, 4000)}`, { cause: error });
  }
  for (const asset of spec.assets ?? [])
    await cp(join(REPO_ROOT, asset), join(stage, asset), {
      recursive: true,
      filter: (source) => !source.endsWith('.test.ts'),
    });
  await checkDependencies(spec, stage, manifest);
  await writeManifest(stage, { ...withoutFields(manifest, ['bin', 'exports']), ...spec.manifest });
  const readme = join(REPO_ROOT, spec.dir, 'README.md');
  await cp(readme, join(stage, 'README.md')).catch(() => undefined);
}

/** The manifest without the fields that point at sources the staged package does not ship. */
function withoutFields(manifest: WorkspaceManifest, fields: readonly (keyof WorkspaceManifest)[]): object {
  return Object.fromEntries(
    Object.entries(manifest).filter(([key]) => !fields.includes(key as keyof WorkspaceManifest)),
  );
}

async function writeManifest(stage: string, manifest: object): Promise<void> {
  await mkdir(stage, { recursive: true });
  await writeFile(join(stage, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
}

/** `npm pack` of a staged folder into `outDir`, with npm's own account of the tarball. */
async function npmPack(name: string, stage: string, outDir: string): Promise<PackedPackage> {
  let stdout: string;
  try {
    ({ stdout } = await run('npm', ['pack', '--json', '--pack-destination', outDir], {
      cwd: stage,
      maxBuffer: 64 * 1024 * 1024,
    }));
  } catch (error) {
    throw new PackFailed(name, 'npm pack failed', { cause: error });
  }
  const [info] = JSON.parse(stdout) as {
    name: string;
    version: string;
    filename: string;
    size: number;
    unpackedSize: number;
    entryCount: number;
  }[];
  if (info === undefined) throw new PackFailed(name, 'npm pack reported no tarball');
  return {
    name: info.name,
    version: info.version,
    tarball: join(outDir, info.filename),
    size: info.size,
    unpackedSize: info.unpackedSize,
    files: info.entryCount,
  };
}

export interface PackOptions {
  /** Where the tarballs go (default build/release/npm); emptied first unless `only` is given. */
  outDir?: string;
  progress?: (line: string) => void;
  /** Where the packages are staged before packing (default build/release/stage); emptied first. */
  stageDir?: string;
  /** Only these packages (by name); default all. */
  only?: readonly string[];
}

/** Stages and packs every package; resolves to the tarballs, in dependency order. */
export async function packAll(options: PackOptions = {}): Promise<PackedPackage[]> {
  const outDir = options.outDir ?? join(RELEASE_DIR, 'npm');
  const stageRoot = options.stageDir ?? join(RELEASE_DIR, 'stage');
  // A partial run (`only`) keeps the other packages' tarballs.
  if (options.only === undefined) await rm(outDir, { recursive: true, force: true });
  await rm(stageRoot, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await mkdir(stageRoot, { recursive: true });
  const packed: PackedPackage[] = [];
  for (const spec of PACKAGES) {
    const manifest = await readManifest(spec.dir);
    if (options.only !== undefined && !options.only.includes(manifest.name)) continue;
    const stage = join(stageRoot, manifest.name.replace('/', '+'));
    const started = performance.now();
    if (spec.shipping === 'sources') await stageSources(spec, manifest, stage);
    else if (spec.shipping === 'relay-bundle') await stageRelayBundle(manifest, stage);
    else await stageCompiled(spec, manifest, stage);
    await cp(join(REPO_ROOT, 'LICENSE'), join(stage, 'LICENSE'));
    const result = await npmPack(manifest.name, stage, outDir);
    options.progress?.(
      `${result.name}@${result.version}: ${String(result.files)} files, ${String(result.size)} bytes packed, ` +
        `${String(result.unpackedSize)} unpacked (${String(Math.round(performance.now() - started))} ms)`,
    );
    packed.push(result);
  }
  return packed;
}

if (import.meta.main) {
  const only = process.argv.slice(2);
  const packed = await packAll({
    progress: (line) => process.stderr.write(`${line}\n`),
    ...(only.length > 0 ? { only } : {}),
  });
  for (const p of packed) process.stdout.write(`${p.tarball}\n`);
}
