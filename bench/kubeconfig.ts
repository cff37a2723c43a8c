// Benchmarks what out-of-cluster kubeconfig support costs the relay image: relay.mjs bytes, and idle RSS in-cluster vs with a kubeconfig.
//
// Bundles: relay.mjs of the working tree, of BENCH_BASE_REF (default: the commit before kubeconfig.ts
// was added), and of the working tree with @kubernetes/client-node's KubeConfig added behind a
// dynamic import (what using client-node for loading would have added). Processes, each run from a
// bundle with the Deployment's node flags on one private control plane with no Reconciler, idle,
// as the ServiceAccount zeroloop-system/zeroloop-relay, RSS read from /proc after BENCH_IDLE_MS:
// - in-cluster (base bundle and current bundle): KUBERNETES_SERVICE_HOST/PORT and a token file;
// - kubeconfig: a KUBECONFIG whose user is an exec plugin printing the same token;
// - kubeconfig + client-node: the same, with client-node imported and a KubeConfig loaded in the
//   process (node --import), which is what loading it where a kubeconfig is read would cost.
// BENCH_ROUNDS rounds (default 5), medians. Writes bench/results/kubeconfig.json.
// Run: npm run bench -- kubeconfig (or node bench/kubeconfig.ts)
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { startControlPlane } from '../cluster/index.ts';
import { buildImageTree, DEFAULT_IMAGE_TREE, ENTRY, RELAY_BUNDLE } from '../deploy/image-tree.ts';
import { loadKubeconfigFile } from '../relay/kube/rest-config.ts';
import { writeExecPlugin } from '../relay/testing/exec-plugin.ts';
import { inClusterEnv, installDeploy, relayToken } from '../test/support/install.ts';
import { TestKube } from '../test/support/kube.ts';
import { median } from './stats.ts';
import { MSG_RELAY_STARTED } from '../relay/relay.ts';
import { silentLogger } from '../relay/observe/log.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 8000);
const progress = (msg: string) =>
  process.stderr.write(`[bench:kubeconfig] ${new Date().toISOString().slice(11, 19)} ${msg}\n`);
const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
const deployment = readFileSync(join(ROOT, 'deploy/relay/deployment.yaml'), 'utf8');
const FLAGS = /command: \[node, (.*), relay\.mjs\]/.exec(deployment)?.[1]?.split(', ') ?? [];
const rssMiB = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${String(pid)}/status`, 'utf8'))?.[1]) / 1024;
const bytes = (path: string) => {
  const content = readFileSync(path);
  return { bytes: content.byteLength, gzipBytes: gzipSync(content).byteLength };
};

const work = mkdtempSync(join(tmpdir(), 'zl-bench-kubeconfig-'));
const baseRef =
  process.env.BENCH_BASE_REF ??
  `${git('log', '--diff-filter=A', '--format=%H', '--', 'relay/kube/kubeconfig.ts').split('\n').at(-1) ?? 'HEAD'}^`;

progress('bundling the working tree');
await buildImageTree();
const current = join(DEFAULT_IMAGE_TREE, ENTRY);

progress(`bundling ${baseRef} (before kubeconfig support)`);
const baseTree = join(work, 'base');
mkdirSync(baseTree);
execFileSync('sh', ['-c', `git archive ${baseRef} | tar -x -C ${baseTree}`], { cwd: ROOT });
symlinkSync(join(ROOT, 'node_modules'), join(baseTree, 'node_modules'));
execFileSync(process.execPath, ['deploy/image-tree.ts', join(baseTree, 'app')], { cwd: baseTree });
const base = join(baseTree, 'app', ENTRY);

progress('bundling the working tree with client-node behind a dynamic import');
const withClientNode = join(work, 'client-node', ENTRY);
await build({
  stdin: {
    contents:
      "import './relay/main.ts';\n" +
      "export const loadClientNode = () => import('@kubernetes/client-node/dist/config.js');\n",
    resolveDir: ROOT,
    loader: 'ts',
  },
  outfile: withClientNode,
  ...RELAY_BUNDLE,
  logLevel: 'error',
});

// What the out-of-cluster modules weigh inside the current bundle.
const currentMeta = (
  await build({
    entryPoints: [join(ROOT, 'relay/main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    write: false,
    metafile: true,
    logLevel: 'error',
  })
).metafile;
const kubeconfigModules = Object.fromEntries(
  Object.entries(Object.values(currentMeta.outputs)[0]?.inputs ?? {})
    .filter(([path]) => /relay\/kube\/(kubeconfig|exec-credential|proxy)\.ts$/.test(path))
    .map(([path, i]) => [path, i.bytesInOutput]),
);

const bundle = {
  baseRef: git('rev-parse', '--short', baseRef),
  base: bytes(base),
  current: bytes(current),
  deltaBytes: bytes(current).bytes - bytes(base).bytes,
  kubeconfigModulesBytesInOutput: kubeconfigModules,
  withClientNode: {
    ...bytes(withClientNode),
    deltaBytes: bytes(withClientNode).bytes - bytes(current).bytes,
  },
};

progress('starting a private control plane');
const plane = await startControlPlane({ handleSignals: false, logger: silentLogger });
type Variant = 'inClusterBase' | 'inCluster' | 'kubeconfig' | 'kubeconfigClientNode';
const runs: Record<Variant, { startMs: number; rssMiB: number }[]> = {
  inClusterBase: [],
  inCluster: [],
  kubeconfig: [],
  kubeconfigClientNode: [],
};
try {
  const admin = await loadKubeconfigFile(plane.kubeconfigPath);
  const kube = new TestKube(admin);
  await installDeploy(kube);
  const token = await relayToken(kube);
  const inCluster = await inClusterEnv(admin, token, join(work, 'serviceaccount'));
  writeFileSync(join(work, 'token'), token);
  const plugin = await writeExecPlugin(work);
  const kubeconfig = join(work, 'kubeconfig.json');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'plane',
      clusters: [
        {
          name: 'plane',
          cluster: { server: admin.server, 'certificate-authority-data': admin.tls.ca?.toString('base64') },
        },
      ],
      users: [
        {
          name: 'relay',
          user: {
            exec: {
              apiVersion: 'client.authentication.k8s.io/v1',
              interactiveMode: 'Never',
              command: plugin,
              args: [join(work, 'runs'), join(work, 'token')],
            },
          },
        },
      ],
      contexts: [{ name: 'plane', context: { cluster: 'plane', user: 'relay' } }],
    }),
  );
  const clientNode = pathToFileURL(join(ROOT, 'node_modules/@kubernetes/client-node/dist/index.js')).href;
  const preload =
    `data:text/javascript,const { KubeConfig } = await import('${clientNode}');` +
    `const kc = new KubeConfig(); kc.loadFromFile(${JSON.stringify(kubeconfig)}); globalThis.__kubeConfig = kc;`;
  const variants: Record<Variant, { args: string[]; env: Record<string, string> }> = {
    inClusterBase: { args: [base], env: { ...inCluster, KUBECONFIG: '' } },
    inCluster: { args: [current], env: { ...inCluster, KUBECONFIG: '' } },
    kubeconfig: { args: [current], env: { KUBECONFIG: kubeconfig } },
    kubeconfigClientNode: { args: ['--import', preload, current], env: { KUBECONFIG: kubeconfig } },
  };

  /** Starts the relay idle: ms until its `relay started` line (the base tree predates the RelayStarted record), and RSS after IDLE_MS. */
  const idleRun = async (variant: Variant) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [...FLAGS, ...variants[variant].args], {
      env: {
        ...process.env,
        METRICS_PORT: '0',
        METRICS_HOST: '127.0.0.1',
        RECONCILER_SELECTOR: 'zeroloop.dev/bench=none',
        ...variants[variant].env,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let startMs = Number.NaN;
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (Number.isNaN(startMs) && out.includes(`"${MSG_RELAY_STARTED}"`)) startMs = performance.now() - t0;
    });
    await sleep(IDLE_MS);
    const rss = rssMiB(child.pid ?? 0);
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    if (Number.isNaN(startMs)) throw new Error(`${variant}: the relay did not start:\n${out}`);
    return { startMs: Math.round(startMs), rssMiB: Math.round(rss * 10) / 10 };
  };

  for (let round = 1; round <= ROUNDS; round++)
    for (const variant of Object.keys(variants) as Variant[]) {
      runs[variant].push(await idleRun(variant));
      progress(`round ${round}/${ROUNDS} ${variant}: ${JSON.stringify(runs[variant].at(-1))}`);
    }
} finally {
  await plane.stop();
  rmSync(work, { recursive: true, force: true });
}

const summary = (variant: Variant) => ({
  startMsMedian: median(runs[variant].map((r) => r.startMs)),
  idleRssMiBMedian: median(runs[variant].map((r) => r.rssMiB)),
  runs: runs[variant],
});
const s = {
  inClusterBase: summary('inClusterBase'),
  inCluster: summary('inCluster'),
  kubeconfig: summary('kubeconfig'),
  kubeconfigClientNode: summary('kubeconfigClientNode'),
};
const round1 = (x: number) => Math.round(x * 10) / 10;
const result = {
  benchmark: 'kubeconfig',
  date: new Date().toISOString(),
  command: 'node bench/kubeconfig.ts',
  what:
    `relay.mjs of the working tree vs ${baseRef} (before kubeconfig support) and with @kubernetes/client-node's KubeConfig ` +
    `behind a dynamic import; the relay idle (no Reconciler) as its ServiceAccount, in-cluster style vs a kubeconfig ` +
    `whose user is an exec plugin, node ${FLAGS.join(' ')}, RSS after ${IDLE_MS} ms, ${ROUNDS} rounds, medians`,
  machine: { cpus: availableParallelism(), loadavg: loadavg().map((l) => Math.round(l * 100) / 100) },
  bundle,
  rss: {
    ...s,
    inClusterChangeMiB: round1(s.inCluster.idleRssMiBMedian - s.inClusterBase.idleRssMiBMedian),
    kubeconfigOverInClusterMiB: round1(s.kubeconfig.idleRssMiBMedian - s.inCluster.idleRssMiBMedian),
    clientNodeAddsMiB: round1(s.kubeconfigClientNode.idleRssMiBMedian - s.kubeconfig.idleRssMiBMedian),
  },
};
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(join(ROOT, 'bench/results/kubeconfig.json'), JSON.stringify(result, null, 2) + '\n');
progress(
  `relay.mjs ${result.bundle.base.bytes} → ${result.bundle.current.bytes} B (${result.bundle.deltaBytes} B; with client-node ${result.bundle.withClientNode.bytes} B); ` +
    `idle RSS in-cluster ${s.inClusterBase.idleRssMiBMedian} → ${s.inCluster.idleRssMiBMedian} MiB, kubeconfig ${s.kubeconfig.idleRssMiBMedian} MiB, ` +
    `+client-node ${s.kubeconfigClientNode.idleRssMiBMedian} MiB (+${result.rss.clientNodeAddsMiB})`,
);
