// Serves the production worker bundle from plain workerd (no wrangler proxy, no log capture), as close to a deployed Worker as runs here.
//
// For benchmarks: wrangler's test harness routes every request through Miniflare's proxy worker
// and captures the worker's logs, which cost more CPU per request than the reconcile itself. Here
// the bundle `wrangler deploy --dry-run` emits (the modules a deploy uploads) is served by the
// workerd binary wrangler uses, from a generated config, on a loopback port.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePorts } from '../../cluster/ports.ts';
import { buildBundle } from './bundle.ts';
import { TEST_SECRETS } from './harness.ts';

export interface PlainWorkerd {
  url: URL;
  process: ChildProcess;
  close(): Promise<void>;
}

/** The workerd binary of the installed `workerd` package (the one wrangler runs). */
function workerdBinary(): string {
  const require = createRequire(import.meta.url);
  return join(require.resolve('@cloudflare/workerd-linux-64/package.json'), '..', 'bin', 'workerd');
}

/**
 * A workerd config (Cap'n Proto text) serving `dir`'s modules with the given text bindings, and the HOOKS
 * Durable Object (SQLite, on disk under `dir`) as wrangler.toml declares it.
 */
function config(files: string[], port: number, secrets: Record<string, string>, storageDir: string): string {
  const modules = files.map((f) =>
    f.endsWith('.wasm') ? `(name = "${f}", wasm = embed "${f}")` : `(name = "${f}", esModule = embed "${f}")`,
  );
  const bindings = Object.entries(secrets).map(([k, v]) => `(name = "${k}", text = ${JSON.stringify(v)})`);
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .worker), (name = "do-storage", disk = (path = ${JSON.stringify(storageDir)}, writable = true))],
  sockets = [(name = "http", address = "127.0.0.1:${String(port)}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [${modules.join(', ')}],
  compatibilityDate = "2026-11-01",
  bindings = [${[...bindings, '(name = "HOOKS", durableObjectNamespace = "ClusterHooks")'].join(', ')}],
  durableObjectNamespaces = [(className = "ClusterHooks", uniqueKey = "zeroloop-hooks", enableSql = true)],
  durableObjectStorage = (localDisk = "do-storage"),
);
`;
}

/** Builds the production bundle and serves it from plain workerd until `close`. */
export async function startPlainWorkerd(secrets = TEST_SECRETS): Promise<PlainWorkerd> {
  const dir = await mkdtemp(join(tmpdir(), 'zeroloop-workerd-'));
  await buildBundle(dir);
  const files = (await readdir(dir)).filter((f) => f.endsWith('.js') || f.endsWith('.wasm'));
  // The entry first: workerd treats the first module as the main one.
  files.sort((a, b) => Number(b === 'index.js') - Number(a === 'index.js'));
  const [port = 0] = await freePorts(1);
  const storageDir = join(dir, 'do-storage');
  await mkdir(storageDir);
  const configPath = join(dir, 'workerd.capnp');
  await writeFile(configPath, config(files, port, secrets, storageDir));
  const child = spawn(workerdBinary(), ['serve', configPath], { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = new URL(`http://127.0.0.1:${String(port)}/`);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`workerd exited with ${String(child.exitCode)}; see its stderr`);
    const ok = await fetch(new URL('/healthz', url)).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error('workerd did not answer /healthz within 30 s');
    await sleep(100);
  }
  return {
    url,
    process: child,
    close: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
