// Bundles a reconciler's TypeScript entry into one ES module with esbuild, for the JS engine inside the component.
import { build, type Message } from 'esbuild';
import { relative, resolve } from 'node:path';
import { BundleFailed } from './errors.ts';
import { PROJECT_ROOT } from './paths.ts';

export interface BundleResult {
  /** Absolute paths of every file esbuild read. */
  inputs: string[];
  /** The bundle's export names. */
  exports: string[];
  bytes: number;
}

function describeMessage(m: Message): string {
  const where = m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ` : '';
  return `${where}${m.text}`;
}

/** Writes `outFile`: an unminified ES2020 module whose exports are the WIT world's exports. */
export async function bundle(reconciler: string, entry: string, outFile: string): Promise<BundleResult> {
  try {
    const result = await build({
      entryPoints: [entry],
      outfile: outFile,
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      // QuickJS-ng and SpiderMonkey both run ES2023; keep the syntax conservative anyway.
      target: 'es2022',
      treeShaking: true,
      minify: false,
      legalComments: 'none',
      metafile: true,
      logLevel: 'silent',
      absWorkingDir: PROJECT_ROOT,
    });
    const inputs = Object.keys(result.metafile.inputs).map((p) => resolve(PROJECT_ROOT, p));
    const outputs = Object.values(result.metafile.outputs);
    const bytes = outputs.reduce((n, o) => n + o.bytes, 0);
    return { inputs, bytes, exports: outputs.flatMap((o) => o.exports) };
  } catch (error) {
    const errors = (error as { errors?: Message[] }).errors ?? [];
    const first = errors[0]?.location?.file;
    throw new BundleFailed(
      reconciler,
      first ?? relative(PROJECT_ROOT, entry),
      `esbuild failed:\n${errors.map(describeMessage).join('\n') || String(error)}`,
      { cause: error },
    );
  }
}
