// Watches a folder tree for saved files, one inotify-backed watcher per folder, so a save by rename (sed -i, vim, IDEs) is seen every time.
//
// Node's `fs.watch(dir, { recursive: true })` on Linux watches each file it found: a save that replaces the
// file by rename leaves it watching the old, unlinked inode, and every later save of that file is missed.
// A folder's own watcher reports entries created, renamed over or written in it, whatever happened to the
// inodes; folders that appear get a watcher, folders that go lose theirs.
import { type FSWatcher, watch } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';

export interface TreeWatcher {
  /** Resolves once every folder that existed at the start is watched. */
  readonly ready: Promise<void>;
  close(): void;
}

export interface WatchTreeOptions {
  /** Called with the path, relative to the root (`src/index.ts`), of each entry written, created, renamed or removed. */
  onChange: (file: string) => void;
  /** Folder names never entered (default: node_modules and .git). */
  skip?: readonly string[];
}

export function watchTree(root: string, options: WatchTreeOptions): TreeWatcher {
  const skip = new Set(options.skip ?? ['node_modules', '.git']);
  const watchers = new Map<string, FSWatcher>();
  let closed = false;

  const unwatch = (dir: string): void => {
    for (const [path, watcher] of watchers) {
      if (path === dir || path.startsWith(`${dir}/`)) {
        watcher.close();
        watchers.delete(path);
      }
    }
  };

  const add = async (dir: string): Promise<void> => {
    if (closed || watchers.has(dir)) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, (_event, name) => {
        if (name === null) return;
        const path = join(dir, name);
        options.onChange(relative(root, path));
        // A folder created or moved in gets its own watcher; one removed or moved away loses it.
        void stat(path).then(
          (s) => (s.isDirectory() && !skip.has(name) ? add(path) : undefined),
          () => {
            unwatch(path);
          },
        );
      });
    } catch {
      return; // gone before we got to it
    }
    watcher.on('error', () => {
      unwatch(dir);
    });
    watchers.set(dir, watcher);
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    await Promise.all(
      entries.filter((e) => e.isDirectory() && !skip.has(e.name)).map((e) => add(join(dir, e.name))),
    );
  };

  return {
    ready: add(root),
    close: () => {
      closed = true;
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}
