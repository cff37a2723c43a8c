// Test and bench support: `zeroloop dev website` in a copy of the repository, its output lines, and a one-line edit of the website reconciler.
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Manifests, until } from '../../local/kube.ts';
import { loadKubeconfigFile } from '../../relay/kube/rest-config.ts';
import { copyRepo } from './repo-copy.ts';

export interface Line {
  at: number;
  text: string;
  index: number;
}

export interface DevSession {
  /** Lines printed so far (an index to wait after). */
  readonly printed: number;
  /** The first line at or after index `from` matching `re` (waits up to `timeoutMs`). */
  line(re: RegExp, from?: number, timeoutMs?: number): Promise<Line>;
  /** The Ready condition's reason of Website `name` in the demo namespace. */
  readyReason(name: string): Promise<string | undefined>;
  /** Rewrites one line of reconcilers/website/src/index.ts: the in-progress Ready reason becomes `reason`. */
  editWebsite(reason: string): Promise<void>;
  /** Ctrl-C, then removes the copy; resolves to the time from the signal to `zeroloop dev`'s exit (ms). */
  stop(): Promise<number>;
}

/** The line `editWebsite` changes; the website reconciler must keep it. */
const EDITED = "'RolloutInProgress',";

export async function startDevSession(options: {
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  namespace: string;
  echo?: boolean;
}): Promise<DevSession> {
  const copy = await copyRepo();
  const source = join(copy.root, 'reconcilers', 'website', 'src', 'index.ts');
  const original = await readFile(source, 'utf8');
  if (!original.includes(EDITED)) throw new Error(`${source} no longer has the line ${EDITED} to edit`);
  const child = spawn(
    process.execPath,
    [join(copy.root, 'cli', 'main.ts'), 'dev', 'website', ...options.args],
    {
      cwd: copy.root,
      env: options.env,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const lines: Line[] = [];
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout }).on('line', (text) => {
    lines.push({ at: performance.now(), text, index: lines.length });
    if (options.echo === true) process.stdout.write(`  | ${text}\n`);
    for (const w of waiters) w();
  });
  const line = (re: RegExp, from = 0, timeoutMs = 180_000): Promise<Line> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = lines.find((l) => l.index >= from && re.test(l.text));
        if (found === undefined) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(
          new Error(`zeroloop dev printed no line matching ${String(re)} within ${String(timeoutMs)} ms`),
        );
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  const stop = async (): Promise<number> => {
    const signalled = performance.now();
    child.kill('SIGINT');
    await exited;
    const exitMs = performance.now() - signalled;
    await copy.remove();
    return exitMs;
  };
  try {
    const printed = await line(/export KUBECONFIG=(\S+)/);
    const kube = new Manifests(await loadKubeconfigFile(/KUBECONFIG=(\S+)/.exec(printed.text)?.[1] ?? ''), {
      fieldManager: 'dev-session',
    });
    await line(/^dev: watching/);
    return {
      get printed() {
        return lines.length;
      },
      line,
      readyReason: async (name) => {
        const site = await kube.get('examples.zeroloop.dev/v1alpha1', 'Website', options.namespace, name);
        const status = site?.status as { conditions?: { type: string; reason: string }[] } | undefined;
        return status?.conditions?.find((c) => c.type === 'Ready')?.reason;
      },
      editWebsite: (reason) => writeFile(source, original.replace(EDITED, `'${reason}',`)),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export { until };
