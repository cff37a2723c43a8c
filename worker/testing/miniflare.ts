// Runs the built worker bundle in workerd through programmatic Miniflare (no wrangler dev proxy): for benchmarks.
import { Miniflare, convertV4MiniflareOptions } from 'miniflare';
import { bundleModules, BUNDLE_DIR } from './bundle.ts';
import { TEST_SECRET } from './requests.ts';

// wrangler.toml's compatibility_date.
const COMPATIBILITY_DATE = '2026-11-01';

export interface BundleWorker {
  miniflare: Miniflare;
  /** JSON lines the worker logged. */
  lines: Record<string, unknown>[];
}

/**
 * Starts workerd with the bundle's modules. Miniflare 5 takes a new options shape; its own converter
 * builds it from the v4 form (`modules` listed one by one: the converter refuses `modulesRules`).
 */
export async function startBundle(outDir = BUNDLE_DIR, secret = TEST_SECRET): Promise<BundleWorker> {
  const { entry, wasm } = await bundleModules(outDir);
  const lines: Record<string, unknown>[] = [];
  const miniflare = new Miniflare({
    ...convertV4MiniflareOptions({
      name: 'zeroloop',
      modulesRoot: outDir,
      modules: [
        { type: 'ESModule', path: entry },
        ...wasm.map((path) => ({ type: 'CompiledWasm' as const, path })),
      ],
      compatibilityDate: COMPATIBILITY_DATE,
      bindings: { SIGNING_SECRET: secret },
    }),
    handleStructuredLogs: (log) => {
      try {
        const parsed: unknown = JSON.parse(log.message);
        if (typeof parsed === 'object' && parsed !== null) lines.push(parsed as Record<string, unknown>);
      } catch {
        // not one of the worker's JSON lines
      }
    },
  });
  await miniflare.ready;
  return { miniflare, lines };
}
