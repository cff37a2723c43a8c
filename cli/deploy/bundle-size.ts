// Measures a worker bundle (`wrangler deploy --dry-run --outdir`) module by module and checks it against the Workers size limit.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** Cloudflare's limit on a Worker's compressed (gzip) size, by plan: 3 MB on Free, 10 MB on Paid. */
export const WORKER_SIZE_LIMITS = { free: 3 * 1024 * 1024, paid: 10 * 1024 * 1024 } as const;
export type WorkersPlan = keyof typeof WORKER_SIZE_LIMITS;

export interface BundleModule {
  /** The file name in the bundle folder. */
  file: string;
  rawBytes: number;
  gzipBytes: number;
}

export interface BundleSize {
  /** Largest (gzip) first. */
  modules: BundleModule[];
  rawBytes: number;
  gzipBytes: number;
}

/** The bundle is over the plan's limit: names the largest modules, so the author knows what to cut. */
export class BundleTooLarge extends Error {
  override readonly name = 'BundleTooLarge';
  readonly size: BundleSize;
  readonly plan: WorkersPlan;
  constructor(size: BundleSize, plan: WorkersPlan, limitBytes: number = WORKER_SIZE_LIMITS[plan]) {
    const largest = size.modules
      .slice(0, 5)
      .map((m) => `${m.file} ${kib(m.gzipBytes)} gzip`)
      .join(', ');
    super(
      `the worker is ${kib(size.gzipBytes)} gzip, over the Workers ${plan} plan's limit of ` +
        `${kib(limitBytes)}; largest modules: ${largest}. Move reconcilers into another ` +
        `project (one worker each), set "optimize": "size" in a reconciler.json, or use --plan paid`,
    );
    this.size = size;
    this.plan = plan;
  }
}

export function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

/** Every module of the bundle in `outDir` (the entry `.js` and each `.wasm`), raw and gzip. */
export async function measureBundle(outDir: string): Promise<BundleSize> {
  const files = (await readdir(outDir)).filter((f) => f.endsWith('.js') || f.endsWith('.wasm'));
  const modules: BundleModule[] = [];
  for (const file of files) {
    const bytes = await readFile(join(outDir, file));
    modules.push({ file, rawBytes: bytes.byteLength, gzipBytes: gzipSync(bytes).byteLength });
  }
  modules.sort((a, b) => b.gzipBytes - a.gzipBytes || a.file.localeCompare(b.file));
  const sum = (key: 'rawBytes' | 'gzipBytes') => modules.reduce((total, m) => total + m[key], 0);
  return { modules, rawBytes: sum('rawBytes'), gzipBytes: sum('gzipBytes') };
}

/** Throws BundleTooLarge when the bundle's gzip size is over `limitBytes` (the plan's limit unless given). */
export function checkBundleSize(
  size: BundleSize,
  plan: WorkersPlan,
  limitBytes = WORKER_SIZE_LIMITS[plan],
): void {
  if (size.gzipBytes > limitBytes) throw new BundleTooLarge(size, plan, limitBytes);
}
