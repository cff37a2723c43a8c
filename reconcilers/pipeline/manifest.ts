// Finds reconciler folders and parses their `reconciler.json` manifests with zod.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { DnsLabel } from '../../src/protocol/schemas.ts';
import { ManifestInvalid } from './errors.ts';

export const Manifest = z
  .object({
    name: DnsLabel,
    /** `go`: a Go module in the folder (package main, built with GOOS=wasip1); default `typescript`. */
    language: z._default(z.enum(['typescript', 'go']), 'typescript'),
    backend: z._default(z.enum(['qjs', 'starlingmonkey']), 'qjs'),
    /** `size`: componentize-qjs' size-optimized QuickJS runtime (about a third smaller, a little slower). */
    optimize: z._default(z.enum(['speed', 'size']), 'speed'),
    /**
     * A WIT folder, relative to the reconciler's folder, to build against instead of zeroloop's wit/: a test of
     * a component built against an older contract (TypeScript only; its code uses that WIT's shapes, not the SDK).
     */
    wit: z.optional(z.string().check(z.minLength(1))),
  })
  .check(
    z.refine((m) => m.backend === 'qjs' || m.optimize === 'speed', {
      message: 'optimize "size" needs backend "qjs"',
      path: ['optimize'],
    }),
    z.refine((m) => m.language === 'typescript' || (m.backend === 'qjs' && m.optimize === 'speed'), {
      message: 'backend and optimize apply to TypeScript reconcilers only',
      path: ['language'],
    }),
    z.refine((m) => m.language === 'typescript' || m.wit === undefined, {
      message: "wit applies to TypeScript reconcilers only (the Go SDK follows zeroloop's wit/)",
      path: ['wit'],
    }),
  );
export type Manifest = z.infer<typeof Manifest>;

/** Where a reconciler's build output goes: `examples` → build/reconcilers, `fixtures` → build/fixtures. */
export type Group = 'examples' | 'fixtures';

export interface ReconcilerSource {
  manifest: Manifest;
  group: Group;
  /** Absolute path of the reconciler's folder. */
  dir: string;
  /** Absolute path of its entry: `src/index.ts`, or `main.go` for a Go reconciler. */
  entry: string;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function readManifest(dir: string): Promise<Manifest | undefined> {
  const file = join(dir, 'reconciler.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ManifestInvalid(dir, file, `not valid JSON: ${String(error)}`);
  }
  const parsed = Manifest.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ManifestInvalid(
      dir,
      file,
      `${issues} (expected {"name": string, "language"?: "typescript"|"go", "backend"?: "qjs"|"starlingmonkey", "optimize"?: "speed"|"size", "wit"?: string})`,
    );
  }
  return parsed.data;
}

async function scan(root: string, group: Group): Promise<ReconcilerSource[]> {
  let folders: string[];
  try {
    folders = (await readdir(root, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
  const found: ReconcilerSource[] = [];
  for (const folder of folders.sort()) {
    const dir = join(root, folder);
    const manifest = await readManifest(dir);
    if (!manifest) continue;
    const go = manifest.language === 'go';
    const entry = go ? join(dir, 'main.go') : join(dir, 'src', 'index.ts');
    if (!(await exists(entry))) {
      throw new ManifestInvalid(
        manifest.name,
        entry,
        go
          ? 'missing: a Go reconciler is package main in main.go, calling zeroloop.Define from init'
          : 'missing: a reconciler exports describe and reconcile from src/index.ts',
      );
    }
    found.push({ manifest, group, dir, entry });
  }
  return found;
}

/** Every `reconcilers/<name>/reconciler.json` (examples) and `test/fixtures/reconcilers/<name>/` (fixtures). */
export async function discover(repoRoot: string): Promise<ReconcilerSource[]> {
  const all = [
    ...(await scan(join(repoRoot, 'reconcilers'), 'examples')),
    ...(await scan(join(repoRoot, 'test', 'fixtures', 'reconcilers'), 'fixtures')),
  ];
  const seen = new Map<string, string>();
  for (const r of all) {
    const other = seen.get(r.manifest.name);
    if (other !== undefined) {
      throw new ManifestInvalid(
        r.manifest.name,
        join(r.dir, 'reconciler.json'),
        `name also used by ${other}`,
      );
    }
    seen.set(r.manifest.name, r.dir);
  }
  return all;
}
