// Writes a new zeroloop project (create/template/) into an empty folder: package.json, worker, wrangler.toml, tsconfig, lint.
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
export const PROJECT_TEMPLATE_DIR = join(HERE, 'template');

/** The folder or name cannot take a project; says which and what to do. Nothing was written. */
export class ProjectInvalid extends Error {
  override readonly name = 'ProjectInvalid';
  /** The folder the project was meant for. */
  readonly dir: string;
  constructor(dir: string, message: string) {
    super(message);
    this.dir = dir;
  }
}

/**
 * npm's rules for a package name, which the project's package.json gets: lower case, at most 214
 * characters, URL-safe, not starting with `.` or `_`.
 */
export function projectNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty';
  if (name.length > 214) return 'it is longer than 214 characters';
  if (name !== name.toLowerCase()) return 'it has upper-case letters';
  if (/^[._]/.test(name)) return 'it starts with "." or "_"';
  if (!/^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/.test(name))
    return 'it may hold only a-z, 0-9, ".", "_", "~" and "-" (and one @scope/ in front)';
  if (name === 'node_modules' || name === 'favicon.ico') return 'npm reserves it';
  return undefined;
}

/** The version of zeroloop this creates projects for: the one the template's dependencies ask for. */
export const ZEROLOOP_VERSION = (
  JSON.parse(readFileSync(join(HERE, 'package.json'), 'utf8')) as { version: string }
).version;

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

async function isEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
}

export interface CreateProjectOptions {
  /** The folder to create (relative to `cwd`); it must not exist, or be empty. */
  dir: string;
  cwd: string;
  /** The package name; default: the folder's name. */
  name?: string | undefined;
  /** The dependency range on zeroloop's packages; default `^<this version>`. */
  range?: string | undefined;
}

export interface CreatedProject {
  dir: string;
  name: string;
  /** The files written, relative to `dir`. */
  files: string[];
}

/**
 * Renders the template into `dir`. The checks come first, so a bad name or a folder in use changes
 * nothing; a failure while writing removes what this call wrote.
 */
export async function createProject(options: CreateProjectOptions): Promise<CreatedProject> {
  const dir = resolve(options.cwd, options.dir);
  const name = options.name ?? basename(dir);
  const problem = projectNameProblem(name);
  if (problem !== undefined)
    throw new ProjectInvalid(
      dir,
      `"${name}" cannot name the project's package: ${problem}; pick a folder name like "my-reconcilers", or pass --name`,
    );
  if (!(await isEmptyOrMissing(dir)))
    throw new ProjectInvalid(
      dir,
      `${options.dir} already exists and is not empty: pick a new folder, or empty that one first`,
    );
  const values: Record<string, string> = {
    project: name,
    // A Worker's name: lower-case letters, digits and dashes; the package name without its scope.
    worker: name.replace(/^@[^/]+\//, '').replace(/[._~]/g, '-'),
    range: options.range ?? `^${ZEROLOOP_VERSION}`,
  };
  const files: string[] = [];
  const existed = await exists(dir);
  try {
    for (const file of await filesUnder(PROJECT_TEMPLATE_DIR)) {
      const templated = file.endsWith('.tmpl');
      // npm never packs a file named .gitignore, so the template holds it as `gitignore`.
      const out = file === 'gitignore' ? '.gitignore' : templated ? file.slice(0, -'.tmpl'.length) : file;
      const target = join(dir, out);
      await mkdir(dirname(target), { recursive: true });
      const source = join(PROJECT_TEMPLATE_DIR, file);
      if (templated) {
        const text = (await readFile(source, 'utf8')).replace(/\{\{([a-z]+)\}\}/g, (_, key: string) => {
          const value = values[key];
          if (value === undefined) throw new Error(`${file}: unknown placeholder {{${key}}}`);
          return value;
        });
        await writeFile(target, text, { flag: 'wx' });
      } else await copyFile(source, target);
      files.push(out);
    }
  } catch (error) {
    if (existed) for (const f of files) await rm(join(dir, f), { force: true });
    else await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return { dir, name, files: files.sort() };
}

async function exists(path: string): Promise<boolean> {
  try {
    await readdir(path);
    return true;
  } catch {
    return false;
  }
}
