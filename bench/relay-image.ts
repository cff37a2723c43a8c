// Benchmarks the relay image's content: the file tree (sizes, gzip) and the bundle against the sources, started idle (time to start, RSS).
//
// Both run with the Deployment's node flags on one local control plane with no Reconciler, one after
// the other, ROUNDS times; figures are medians. The image adds the tree to node:24-slim.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { startControlPlane } from '../cluster/index.ts';
import { buildImageTree, DEFAULT_IMAGE_TREE, ENTRY } from '../deploy/image-tree.ts';
import { relayStarted } from '../relay/observe/started.ts';
import { median } from './stats.ts';
import { silentLogger } from '../relay/observe/log.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 8000);
const progress = (msg: string) =>
  process.stderr.write(`[bench:relay-image] ${new Date().toISOString().slice(11, 19)} ${msg}\n`);
const deployment = readFileSync(new URL('../deploy/relay/deployment.yaml', import.meta.url), 'utf8');
const FLAGS = /command: \[node, (.*), relay\.mjs\]/.exec(deployment)?.[1]?.split(', ') ?? [];
const ENTRIES = {
  sources: fileURLToPath(new URL('../relay/main.ts', import.meta.url)),
  bundle: `${DEFAULT_IMAGE_TREE}/${ENTRY}`,
} as const;

const rssMiB = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${String(pid)}/status`, 'utf8'))?.[1]) / 1024;

progress('building the image tree');
const files = await buildImageTree();
const bundleBytes = (await readFile(ENTRIES.bundle)).byteLength;
const bundleGzipBytes = gzipSync(await readFile(ENTRIES.bundle)).byteLength;

/** Starts the relay from `entry`, idle: ms until its RelayStarted record, and RSS after IDLE_MS. */
async function idleRun(entry: string, kubeconfig: string): Promise<{ startMs: number; rssMiB: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [...FLAGS, entry], {
    env: { ...process.env, KUBECONFIG: kubeconfig, METRICS_PORT: '0', METRICS_HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  let startMs = Number.NaN;
  void relayStarted(child, IDLE_MS).then(
    () => (startMs = performance.now() - t0),
    () => undefined,
  );
  await sleep(IDLE_MS);
  const rss = rssMiB(child.pid ?? 0);
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  return { startMs: Math.round(startMs), rssMiB: Math.round(rss * 10) / 10 };
}

const plane = await startControlPlane({ handleSignals: false, logger: silentLogger });
const runs: Record<keyof typeof ENTRIES, { startMs: number; rssMiB: number }[]> = { sources: [], bundle: [] };
try {
  for (let round = 1; round <= ROUNDS; round++)
    for (const name of ['sources', 'bundle'] as const) {
      runs[name].push(await idleRun(ENTRIES[name], plane.kubeconfigPath));
      progress(`round ${round}/${ROUNDS} ${name}: ${JSON.stringify(runs[name].at(-1))}`);
    }
} finally {
  await plane.stop();
}

const summary = (name: keyof typeof ENTRIES) => ({
  startMsMedian: median(runs[name].map((r) => r.startMs)),
  idleRssMiBMedian: median(runs[name].map((r) => r.rssMiB)),
  runs: runs[name],
});
const result = {
  benchmark: 'relay-image',
  date: new Date().toISOString(),
  command: 'npm run bench -- relay-image',
  what: `the image tree (deploy/image-tree.ts); the relay from sources and from the bundle, idle on a control plane with no Reconciler, node ${FLAGS.join(' ')}, RSS after ${IDLE_MS} ms, ${ROUNDS} rounds`,
  machine: { cpus: availableParallelism(), loadavg: loadavg().map((l) => Math.round(l * 100) / 100) },
  tree: { files, totalBytes: files.reduce((n, f) => n + f.bytes, 0), bundleBytes, bundleGzipBytes },
  sources: summary('sources'),
  bundle: summary('bundle'),
};
const out = new URL('./results/', import.meta.url);
await mkdir(out, { recursive: true });
await writeFile(new URL('relay-image.json', out), JSON.stringify(result, null, 2) + '\n');
progress(
  `tree ${result.tree.totalBytes} B (bundle ${bundleBytes} B, gzip ${bundleGzipBytes} B); start ${result.sources.startMsMedian} → ${result.bundle.startMsMedian} ms, idle RSS ${result.sources.idleRssMiBMedian} → ${result.bundle.idleRssMiBMedian} MiB`,
);
