// Benchmark: 200 Websites × 3 replicas (600 Pods on KWOK nodes) reach Ready; time, reconciles per Website, relay RSS.
//
// A control plane with workloads (kube-scheduler, kwok, 3 fake nodes), the real worker in workerd, the relay
// as its own process. All Websites are created at once (50 creates in flight); the clock runs from the
// first create until every Website reports Ready=True with 3/3 replicas, its status following the real
// Deployment → ReplicaSet → Pods → Ready chain. Writes bench/results/scale.json and scale.md.
// Run: npm run bench -- scale   (BENCH_WEBSITES, BENCH_REPLICAS, BENCH_NODES override the sizes)
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { startControlPlane } from '../cluster/index.ts';
import { loadKubeconfigFile } from '../relay/kube/rest-config.ts';
import { TestKube } from '../test/support/kube.ts';
import { startRelayProcess } from '../test/support/relay-process.ts';
import {
  POD,
  prepareNamespace,
  reconcilerManifest,
  WEBSITE,
  WEBSITE_RECONCILER,
} from '../test/support/relay-env.ts';
import { PRODUCTION_CONFIG, startWorker } from '../worker/testing/harness.ts';

const WEBSITES = Number(process.env.BENCH_WEBSITES ?? 200);
const REPLICAS = Number(process.env.BENCH_REPLICAS ?? 3);
const NODES = Number(process.env.BENCH_NODES ?? 3);
const IN_FLIGHT = 50;
const CONCURRENCY = 8;
const TIMEOUT_MS = 15 * 60_000;
const results = new URL('./results/', import.meta.url);

const progress = (msg: string) => process.stderr.write(`[bench:scale] ${msg}\n`);
const round = (n: number) => Math.round(n * 10) / 10;

/** VmRSS and VmHWM of `pid`, in MiB. */
function memory(pid: number): { rssMiB: number; peakRssMiB: number } {
  const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rssMiB: round(kib('VmRSS') / 1024), peakRssMiB: round(kib('VmHWM') / 1024) };
}

interface WebsiteStatus {
  readyReplicas?: number;
  conditions?: { type: string; status: string }[];
}

const plane = await startControlPlane({ workloads: true, nodes: NODES });
const cleanup: (() => Promise<unknown>)[] = [() => plane.stop()];
try {
  const kube = new TestKube(await loadKubeconfigFile(plane.kubeconfigPath));
  const namespace = await prepareNamespace(kube, 'bench-scale');
  const worker = await startWorker(PRODUCTION_CONFIG);
  cleanup.push(() => worker.close());
  const manifest = reconcilerManifest(
    { ...WEBSITE_RECONCILER, concurrency: CONCURRENCY },
    namespace,
    worker.url.toString(),
  );
  const reconciler = manifest.metadata.name;
  await kube.apply(manifest);
  const relay = await startRelayProcess({
    kubeconfigPath: plane.kubeconfigPath,
    selector: `zeroloop.dev/test=${namespace}`,
  });
  cleanup.push(() => relay.kill('SIGTERM'));
  const relayPid = relay.child.pid ?? 0;
  progress(
    `relay ready (pid ${String(relayPid)}); creating ${String(WEBSITES)} Websites × ${String(REPLICAS)}`,
  );

  const started = performance.now();
  const names = Array.from({ length: WEBSITES }, (_, i) => `site-${String(i)}`);
  const queue = [...names];
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
        await kube.create({
          ...WEBSITE,
          metadata: { name, namespace },
          spec: { replicas: REPLICAS, html: `<p>${name}</p>` },
        });
      }
    }),
  );
  const createdMs = performance.now() - started;
  progress(`created in ${String(Math.round(createdMs))} ms; waiting for all Ready`);

  let readyWebsites = 0;
  let lastLog = 0;
  for (;;) {
    const sites = await kube.list(WEBSITE.apiVersion, WEBSITE.kind, namespace);
    readyWebsites = sites.filter((s) => {
      const status = s.status as WebsiteStatus | undefined;
      return (
        status?.readyReplicas === REPLICAS &&
        status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true
      );
    }).length;
    if (readyWebsites === WEBSITES) break;
    if (performance.now() - started > TIMEOUT_MS) {
      throw new Error(
        `only ${String(readyWebsites)}/${String(WEBSITES)} Websites Ready after ${String(TIMEOUT_MS)} ms`,
      );
    }
    if (performance.now() - lastLog > 10_000) {
      lastLog = performance.now();
      progress(
        `${String(readyWebsites)}/${String(WEBSITES)} Ready after ${String(Math.round(lastLog - started))} ms`,
      );
    }
    await sleep(250);
  }
  const allReadyMs = performance.now() - started;
  const pods = await kube.list(POD.apiVersion, POD.kind, namespace);
  const running = pods.filter((p) => (p.status as { phase?: string }).phase === 'Running').length;
  // Let trailing events settle, then count: a Website's last reconcile may follow its last status write.
  await sleep(5000);
  const labels = { reconciler };
  const reconciles = await relay.metric('zeroloop_reconciles_total', labels);
  const requests = await relay.metric('zeroloop_worker_requests_total', labels);
  const requestsOk = await relay.metric('zeroloop_worker_requests_total', { ...labels, outcome: 'ok' });
  const relayMemory = memory(relayPid);
  const planeMemory = Object.fromEntries(
    Object.entries(plane.pids).map(([name, pid]) => [name, memory(pid).rssMiB]),
  );

  const figures = {
    benchmark: 'scale',
    date: new Date().toISOString(),
    what:
      `${String(WEBSITES)} Websites × ${String(REPLICAS)} replicas created at once (${String(IN_FLIGHT)} in flight) on a ` +
      `control plane with workloads (${String(NODES)} KWOK nodes); time from the first create until every ` +
      `Website is Ready=True with ${String(REPLICAS)}/${String(REPLICAS)} ready replicas`,
    command: 'npm run bench -- scale',
    machine: {
      cpus: cpus().length,
      memGiB: Math.round(totalmem() / 2 ** 30),
      loadavg1mAtEnd: round(loadavg()[0] ?? 0),
      node: process.version,
    },
    websites: WEBSITES,
    replicas: REPLICAS,
    nodes: NODES,
    reconcilerConcurrency: CONCURRENCY,
    podsRunning: running,
    createdMs: Math.round(createdMs),
    allReadyMs: Math.round(allReadyMs),
    reconciles,
    reconcilesPerWebsite: round(reconciles / WEBSITES),
    workerRequests: requests,
    workerRequestsOk: requestsOk,
    relay: relayMemory,
    controlPlaneRssMiB: planeMemory,
  };
  writeFileSync(new URL('scale.json', results), `${JSON.stringify(figures, null, 2)}\n`);
  writeFileSync(
    new URL('scale.md', results),
    [
      `# bench: scale (${figures.date.slice(0, 10)})`,
      '',
      figures.what + '.',
      `Machine: ${String(figures.machine.cpus)} CPUs, load ${String(figures.machine.loadavg1mAtEnd)} at the end. One run.`,
      '',
      '| figure | value |',
      '| --- | --- |',
      `| Pods Running | ${String(running)} |`,
      `| all created | ${String(figures.createdMs)} ms |`,
      `| all Ready | ${String(figures.allReadyMs)} ms |`,
      `| reconciles per Website | ${String(figures.reconcilesPerWebsite)} (${String(reconciles)} in all; ${String(requests)} worker requests, ${String(requestsOk)} ok) |`,
      `| relay RSS | ${String(relayMemory.rssMiB)} MiB (peak ${String(relayMemory.peakRssMiB)} MiB) |`,
      `| control plane RSS (MiB) | ${Object.entries(planeMemory)
        .map(([k, v]) => `${k} ${String(v)}`)
        .join(', ')} |`,
      '',
    ].join('\n'),
  );
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
} finally {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
}
