// Tells `zeroloop dev` when a reconciler's sources were saved: its folder watched with watchTree, debounced, filtered to build inputs.
import { basename } from 'node:path';
import { type TreeWatcher, watchTree } from './watch-tree.ts';

/** Whether a path in a reconciler's folder is a build input: `src/**`, `reconciler.json`, or Go sources and module files. */
export function isSourceFile(file: string): boolean {
  const name = basename(file);
  // Editors' scratch files: vim's swap and write-test files, backups, and the temporaries of a save by rename.
  if (/^\.|~$|\.swp$|\.swx$|\.tmp$|^4913$/.test(name)) return false;
  if (file === 'reconciler.json' || file.startsWith('src/')) return true;
  return name.endsWith('.go') || name === 'go.mod' || name === 'go.sum';
}

export interface SourceWatcherOptions {
  /** Wait this long after the last file event before reporting (editors write in several steps). */
  debounceMs?: number;
  /** One call per burst of saves, with the time (performance.now()) of its first event. */
  onSave: (savedAt: number) => void;
}

export interface SourceWatcher {
  readonly ready: Promise<void>;
  close(): void;
}

export function watchSources(dir: string, options: SourceWatcherOptions): SourceWatcher {
  const debounceMs = options.debounceMs ?? 30;
  let timer: NodeJS.Timeout | undefined;
  let firstAt: number | undefined;
  const tree: TreeWatcher = watchTree(dir, {
    onChange: (file) => {
      if (!isSourceFile(file)) return;
      firstAt ??= performance.now();
      clearTimeout(timer);
      timer = setTimeout(() => {
        const savedAt = firstAt ?? performance.now();
        firstAt = undefined;
        options.onSave(savedAt);
      }, debounceMs);
    },
  });
  return {
    ready: tree.ready,
    close: () => {
      clearTimeout(timer);
      tree.close();
    },
  };
}
