// Renders a language template (cli/templates/<language>/) into a new reconciler folder, replacing {{placeholders}}.
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TEMPLATES_DIR = fileURLToPath(new URL('./templates/', import.meta.url));

/** The values of every placeholder (cli/templates/README.md lists them). */
export interface Placeholders {
  name: string;
  Kind: string;
  kind: string;
  plural: string;
  group: string;
  version: string;
  apiVersion: string;
  ownsJson: string;
  ownsList: string;
  /** The owned kinds as Go SDK values: `zl.Kind{APIVersion: "v1", Kind: "ConfigMap"}, …`. */
  ownsGo: string;
  /** The kind the starting logic writes (the first owned): its apiVersion and kind. */
  ownedApiVersion: string;
  ownedKind: string;
  /** Its starting body (spec, data…) as a TypeScript expression over `name`, `labels`, `spec.message`. */
  ownedBodyTs: string;
  /** The same as a Go `map[string]any` literal over `name`, `labels`, `message`. */
  ownedBodyGo: string;
  /** This CLI's version: the Go SDK version a Go reconciler requires (the SDK ships with the CLI). */
  zeroloopVersion: string;
}

/** A template uses a placeholder that has no value: a bug in the template, named by file. */
export class TemplateInvalid extends Error {
  override readonly name = 'TemplateInvalid';
  readonly file: string;
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.file = file;
  }
}

/** The languages `zeroloop new --language` accepts: the folders of cli/templates/. */
export async function templateLanguages(): Promise<string[]> {
  const entries = await readdir(TEMPLATES_DIR, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

const PLACEHOLDER = /\{\{([A-Za-z]+)\}\}/g;

/** Replaces every `{{key}}` in `text`; an unknown key is a TemplateInvalid naming `file`. */
export function render(text: string, values: Placeholders, file: string): string {
  return text.replace(PLACEHOLDER, (_, key: string) => {
    if (!Object.hasOwn(values, key))
      throw new TemplateInvalid(
        file,
        `unknown placeholder {{${key}}}: use one of ${Object.keys(values).join(', ')} (cli/templates/README.md)`,
      );
    return values[key as keyof Placeholders];
  });
}

/**
 * `text` in the project's style when the project has prettier and it knows the file type (rendered JSON
 * lines get long); as rendered otherwise.
 */
async function formatted(path: string, text: string): Promise<string> {
  const prettier = await import('prettier').catch(() => undefined);
  if (prettier === undefined) return text;
  const { inferredParser } = await prettier.getFileInfo(path);
  if (inferredParser === null) return text;
  const config = await prettier.resolveConfig(path);
  return prettier.format(text, { ...config, filepath: path });
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/**
 * Writes the template of `language` into `target` (which must not exist yet) and returns the paths
 * written, relative to `target`. `.tmpl` files are rendered, others copied as they are.
 */
export async function scaffold(language: string, target: string, values: Placeholders): Promise<string[]> {
  const source = join(TEMPLATES_DIR, language);
  const written: string[] = [];
  for (const file of (await filesUnder(source)).sort()) {
    const rel = relative(source, file);
    const templated = rel.endsWith('.tmpl');
    const out = render(templated ? rel.slice(0, -'.tmpl'.length) : rel, values, rel);
    const path = join(target, out);
    await mkdir(dirname(path), { recursive: true });
    if (templated)
      await writeFile(path, await formatted(path, render(await readFile(file, 'utf8'), values, rel)), {
        flag: 'wx',
      });
    else await copyFile(file, path);
    written.push(out);
  }
  return written;
}
