// Generates the guest-side TypeScript declarations of the WIT world with `jco guest-types`, once per WIT and jco version.
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { toolchain } from './cache.ts';
import { GuestTypesFailed } from './errors.ts';
import { jco, JcoFailed } from './jco.ts';
import { WIT_DIR, WORLD } from './paths.ts';

/** Beside the declarations: the hash of what made them, so an unchanged WIT costs no jco run. */
const STAMP = '.inputs-sha256';

async function witHash(witDir: string): Promise<string> {
  const hash = createHash('sha256').update(JSON.stringify({ world: WORLD, jco: toolchain().jco }));
  const files = (await readdir(witDir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
  for (const f of files) hash.update(`\0${relative(witDir, f)}\0`).update(await readFile(f));
  return hash.digest('hex');
}

/**
 * Writes `<outDir>/reconciler.d.ts` and `<outDir>/interfaces/*.d.ts`, unless they were written from the same
 * WIT by the same jco. Returns whether it ran jco.
 */
export async function generateGuestTypes(outDir: string, witDir: string = WIT_DIR): Promise<boolean> {
  const inputs = await witHash(witDir);
  const stamp = await readFile(join(outDir, STAMP), 'utf8').catch(() => undefined);
  if (stamp === inputs) return false;
  await rm(outDir, { recursive: true, force: true });
  try {
    await jco(['guest-types', witDir, '--world-name', WORLD, '-o', outDir, '-q']);
  } catch (error) {
    const detail = error instanceof JcoFailed ? error.output : String(error);
    throw new GuestTypesFailed('(all)', witDir, `jco guest-types failed: fix the WIT.\n${detail}`, {
      cause: error,
    });
  }
  await writeFile(join(outDir, STAMP), inputs);
  return true;
}
