// Generates the guest-side TypeScript declarations of the WIT world with `jco guest-types`.
import { rm } from 'node:fs/promises';
import { GuestTypesFailed } from './errors.ts';
import { jco, JcoFailed } from './jco.ts';
import { WIT_DIR, WORLD } from './paths.ts';

/** Writes `<outDir>/reconciler.d.ts` and `<outDir>/interfaces/*.d.ts`. */
export async function generateGuestTypes(outDir: string, witDir: string = WIT_DIR): Promise<void> {
  await rm(outDir, { recursive: true, force: true });
  try {
    await jco(['guest-types', witDir, '--world-name', WORLD, '-o', outDir, '-q']);
  } catch (error) {
    const detail = error instanceof JcoFailed ? error.output : String(error);
    throw new GuestTypesFailed('(all)', witDir, `jco guest-types failed: fix the WIT.\n${detail}`, {
      cause: error,
    });
  }
}
