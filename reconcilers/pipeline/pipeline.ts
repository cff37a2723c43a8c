// Builds the selected reconcilers under a lock, then writes the registries; the programmatic face of the CLI.
import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { buildReconciler } from './build.ts';
import { readRecord } from './cache.ts';
import { pruneCoreStore, storeFiles, storeHolds } from './core-store.ts';
import { generateGuestTypes } from './guest-types.ts';
import { acquireLock } from './lock.ts';
import type { Logger } from '../../relay/observe/log.ts';
import { discover, type ReconcilerSource } from './manifest.ts';
import { BUILD_DIR, GUEST_TYPES_DIR, groupDir, PROJECT_ROOT } from './paths.ts';
import { distinctCoreModules, type RegistryEntry, writeRegistry } from './registry.ts';

export interface PipelineOptions {
  log: Logger;
  /**
   * Build only these reconcilers; the registries are rewritten with them and the others' last builds
   * (one never built is left out, and named in the summary). Default: all.
   */
  only?: readonly string[];
  /** Rebuild even unchanged reconcilers. */
  force?: boolean;
  /** Called once the registries are written, with what this run built, found up to date, and left unbuilt. */
  onSummary?: (summary: BuildSummary) => void;
}

/** What one pipeline run did, by reconciler name. */
export interface BuildSummary {
  /** Built by this run. */
  built: string[];
  /** Asked for, but their inputs had not changed since their last build. */
  upToDate: string[];
  /** Not asked for and never built (or their build output is gone): the registries do not hold them. */
  notBuilt: string[];
}

/** Thrown when `only` names a reconciler that has no folder. */
export class UnknownReconcilerName extends Error {
  override readonly name = 'UnknownReconcilerName';
}

/** Removes the build output of reconcilers whose folders are gone (only folders holding a build.json). */
async function pruneRemoved(sources: readonly ReconcilerSource[], log: Logger): Promise<void> {
  for (const group of ['examples', 'fixtures'] as const) {
    const root = groupDir(group);
    const keep = new Set(sources.filter((s) => s.group === group).map((s) => s.manifest.name));
    const dirs = await readdir(root, { withFileTypes: true }).catch(() => []);
    for (const d of dirs) {
      if (!d.isDirectory() || keep.has(d.name) || !existsSync(join(root, d.name, 'build.json'))) continue;
      await rm(join(root, d.name), { recursive: true, force: true });
      log.info('prune.done', { reconciler: d.name, group });
    }
  }
}

export async function buildReconcilers(options: PipelineOptions): Promise<RegistryEntry[]> {
  const { log, only = [], force = false } = options;
  const release = await acquireLock(join(BUILD_DIR, '.pipeline.lock'), log);
  try {
    const generated = await generateGuestTypes(GUEST_TYPES_DIR);
    log.info(generated ? 'guest-types.done' : 'guest-types.skip', { dir: 'build/guest-types' });

    const sources = await discover(PROJECT_ROOT);
    const unknown = only.filter((n) => !sources.some((s) => s.manifest.name === n));
    if (unknown.length > 0) {
      throw new UnknownReconcilerName(
        `unknown reconciler(s) ${unknown.join(', ')}: expected one of ${sources.map((s) => s.manifest.name).join(', ')}`,
      );
    }
    log.info('discover.done', { reconcilers: sources.map((s) => `${s.group}/${s.manifest.name}`).join(' ') });

    const entries: RegistryEntry[] = [];
    // Every reconciler as the registries should hold it: just built, or (partial runs) its last build.
    const registered: RegistryEntry[] = [];
    const summary: BuildSummary = { built: [], upToDate: [], notBuilt: [] };
    for (const source of sources) {
      const { group, manifest } = source;
      if (only.length > 0 && !only.includes(manifest.name)) {
        const last = await readRecord(join(groupDir(group), manifest.name));
        if (last && (await storeHolds(storeFiles(last)))) registered.push({ group, record: last });
        else summary.notBuilt.push(manifest.name);
        continue;
      }
      const outcome = await buildReconciler(source, { log, force });
      (outcome.skipped ? summary.upToDate : summary.built).push(manifest.name);
      entries.push({ group, record: outcome.record });
      registered.push({ group, record: outcome.record });
    }
    if (only.length === 0) await pruneRemoved(sources, log);
    // A partial run rewrites the registries too: a new build's modules have new hashes, and a registry still
    // naming the old ones would serve the old code. They hold what is built; a reconciler never built is left
    // out (a worker answers 404 for it, a component test says to build it) rather than failing the whole build.
    await writeRegistry(
      groupDir('examples'),
      registered.filter((e) => e.group === 'examples'),
    );
    await writeRegistry(groupDir('fixtures'), registered);
    log.info('registry.done', {
      examples: 'build/reconcilers/registry.ts',
      fixtures: 'build/fixtures/registry.ts',
      count: registered.length,
      // What sharing saves: every reconciler's module uses against the distinct modules shipped.
      coreModuleImports: registered.reduce((n, e) => n + e.record.wasm.length, 0),
      coreModules: distinctCoreModules(registered).length,
      jsModules: new Set(registered.map((e) => e.record.js)).size,
      ...(summary.notBuilt.length > 0 ? { notBuilt: summary.notBuilt.join(' ') } : {}),
    });
    // Only a full run knows every module in use; pruned after the registries stop naming old ones.
    if (only.length === 0) {
      const unused = await pruneCoreStore(registered.flatMap((e) => storeFiles(e.record)));
      if (unused > 0) log.info('prune.done', { storeFiles: unused, dir: 'build/core-modules' });
    }
    log.info('build.summary', {
      built: summary.built.length,
      skipped: summary.upToDate.length,
      builtNames: summary.built.join(' '),
      upToDate: summary.upToDate.join(' '),
      notBuilt: summary.notBuilt.join(' '),
    });
    options.onSummary?.(summary);
    return entries;
  } finally {
    await release();
  }
}
