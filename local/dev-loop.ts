// `zeroloop dev`: watches reconcilers' sources; on save rebuilds, waits for wrangler's reload, reconciles their primaries again.
import { join } from 'node:path';
import { builtHash } from '../reconcilers/pipeline/cache.ts';
import { PipelineError } from '../reconcilers/pipeline/errors.ts';
import type { Logger } from '../relay/observe/log.ts';
import { buildReconcilers } from '../reconcilers/pipeline/pipeline.ts';
import { PROJECT_ROOT } from '../reconcilers/pipeline/paths.ts';
import { warmToolchain } from '../reconcilers/pipeline/toolchain.ts';
import { typecheck } from '../reconcilers/pipeline/typecheck.ts';
import { discover } from '../reconcilers/pipeline/manifest.ts';
import type { Controller } from '../relay/controller/controller.ts';
import type { Manager } from '../relay/config/manager.ts';
import { logMark, reloadedSince } from './reload.ts';
import { type SourceWatcher, watchSources } from './source-watcher.ts';
import { errorMessage } from '../src/error-message.ts';

export interface DevLoopOptions {
  /** The reconcilers to watch (folders under reconcilers/). */
  names: readonly string[];
  manager: Manager;
  /** wrangler dev's log, where its reload lines appear. */
  workerLogPath: string;
  say: (line: string) => void;
  buildLog: Logger;
  /** Wait this long after the last file event before building (editors write in several steps). */
  debounceMs?: number;
}

export interface DevLoop {
  stop(): void;
}

const ms = (since: number): string => `${String(Math.round(performance.now() - since))} ms`;

/** The running controllers of reconciler `name` (a Reconciler resource names it in spec.reconciler). */
function controllersOf(manager: Manager, name: string): Controller[] {
  return [...manager.controllers.values()].filter((c) => c.config.spec.reconciler === name);
}

/** Type-checks the watched TypeScript reconcilers once, so the checker holds a program to reuse on the first save. */
async function warmTypecheck(names: readonly string[]): Promise<void> {
  const sources = (await discover(PROJECT_ROOT)).filter(
    (s) => names.includes(s.manifest.name) && s.manifest.language === 'typescript',
  );
  for (const source of sources) {
    try {
      typecheck(source.manifest.name, source.entry);
    } catch {
      // A type error shows on the first save's build, where it belongs.
    }
  }
}

export function startDevLoop(options: DevLoopOptions): DevLoop {
  const { names, manager, say } = options;
  const debounceMs = options.debounceMs ?? 30;
  const watchers: SourceWatcher[] = [];
  /** Builds run one at a time; a save during a build queues one more. */
  let running: Promise<void> = Promise.resolve();

  const rebuild = async (name: string, savedAt: number): Promise<void> => {
    say(`dev: ${name} changed, rebuilding…`);
    const mark = await logMark(options.workerLogPath);
    const before = await builtHash(name);
    let built;
    try {
      built = await buildReconcilers({ log: options.buildLog, only: [name] });
    } catch (error) {
      if (!(error instanceof PipelineError)) throw error;
      say(`dev: ${name} did not build: ${error.name}: ${error.message}`);
      return;
    }
    const builtAt = performance.now();
    if (built.find((e) => e.record.name === name)?.record.hash === before) {
      say(`dev: ${name} is unchanged (same inputs as the running build); nothing to reload`);
      return;
    }
    say(`dev: ${name} built in ${ms(savedAt)}; waiting for the worker to reload…`);
    await reloadedSince(options.workerLogPath, mark);
    const controllers = controllersOf(manager, name);
    // The next finished reconcile of each controller: the first answer of the new build.
    for (const controller of controllers) {
      const observer = (): void => {
        controller.onReconcile.delete(observer);
        say(`dev: ${name}: save → reconciled with the new build in ${ms(savedAt)} (reload ${ms(builtAt)})`);
      };
      controller.onReconcile.add(observer);
    }
    const count = controllers.reduce((n, c) => n + c.reconcileAll(), 0);
    say(`dev: ${name} reloaded in ${ms(savedAt)}; reconciling its ${String(count)} primaries again`);
  };

  for (const name of names) {
    const dir = join(PROJECT_ROOT, 'reconcilers', name);
    const watcher = watchSources(dir, {
      debounceMs,
      onSave: (savedAt) => {
        running = running.then(() =>
          rebuild(name, savedAt).catch((error: unknown) => {
            say(`dev: ${name}: ${errorMessage(error)}`);
          }),
        );
      },
    });
    watchers.push(watcher);
  }
  // The toolchain process and the type checker start warm for the first save, not on it.
  void warmToolchain().catch(() => undefined);
  setTimeout(() => {
    void warmTypecheck(names);
  }, 0);
  // Said once every folder is watched: a save after this line is seen.
  void Promise.all(watchers.map((w) => w.ready)).then(() => {
    say(
      `dev: watching ${names.map((n) => `reconcilers/${n}/src`).join(', ')}; save a file to rebuild and reconcile again`,
    );
  });
  return {
    stop: () => {
      for (const w of watchers) w.close();
    },
  };
}
