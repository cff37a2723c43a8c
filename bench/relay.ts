// Benchmark: the relay end to end (real control plane, real worker in workerd, relay as its own process).
//
// Figures:
// - event→applied latency: 200 Websites created one after another; for each, the time from the
//   create call until its ConfigMap is seen by a watch (p50, p99);
// - convergence: 1,000 Websites created at once (50 creates in flight); the time until every
//   ConfigMap has been seen by a watch;
// - relay RSS with those 1,000 primaries (3,000 owned objects) cached, from /proc/<pid>/status.
// Writes bench/results/relay.json and relay.md. Run: npm run build:reconcilers && npm run bench:relay
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startControlPlane } from '../cluster/index.ts';
import { Discovery } from '../relay/kube/discovery.ts';
import { ApiListerWatcher } from '../relay/watch/list-watch.ts';
import { loadKubeconfigFile } from '../relay/kube/rest-config.ts';
import { InformerFactory } from '../relay/watch/informer.ts';
import { TestKube } from '../test/support/kube.ts';
import {
  CONFIGMAP,
  DEPLOYMENT,
  prepareNamespace,
  SERVICE,
  sumMetric,
  WEBSITE,
} from '../test/support/relay-env.ts';
import { PRODUCTION_CONFIG, startWorker } from '../worker/testing/harness.ts';
import { relayStarted } from '../relay/observe/started.ts';

const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 200);
const BULK = Number(process.env.BENCH_BULK ?? 1000);
const IN_FLIGHT = 50;
const CONCURRENCY = 8;
const results = new URL('./results/', import.meta.url);
/** Extra node flags for the relay process, e.g. `--max-old-space-size=192`; results go to relay-<tag>.json. */
const RELAY_NODE_FLAGS = (process.env.BENCH_RELAY_NODE_FLAGS ?? '').split(' ').filter((f) => f.length > 0);
const TAG = process.env.BENCH_TAG ? `relay-${process.env.BENCH_TAG}` : 'relay';

const progress = (msg: string) => process.stderr.write(`[bench:relay] ${msg}\n`);
const round = (n: number) => Math.round(n * 10) / 10;
function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return round(
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN,
  );
}

const plane = await startControlPlane();
const cleanup: (() => Promise<unknown>)[] = [() => plane.stop()];
try {
  const kube = new TestKube(await loadKubeconfigFile(plane.kubeconfigPath));
  const namespace = await prepareNamespace(kube, 'bench');
  const worker = await startWorker(PRODUCTION_CONFIG);
  cleanup.push(() => worker.close());
  await kube.apply({
    apiVersion: 'zeroloop.dev/v1alpha1',
    kind: 'Reconciler',
    metadata: { name: 'bench-website', labels: { 'zeroloop.dev/test': namespace } },
    spec: {
      reconciler: 'website',
      endpoint: worker.url.toString(),
      signingSecretRef: { namespace, name: 'worker-signing', key: 'secret' },
      primary: WEBSITE,
      owns: [DEPLOYMENT, SERVICE, CONFIGMAP],
      namespaces: [namespace],
      concurrency: CONCURRENCY,
    },
  });

  // The relay as a separate process, so its RSS is its own.
  const relay = spawn(
    process.execPath,
    [...RELAY_NODE_FLAGS, fileURLToPath(new URL('../relay/main.ts', import.meta.url))],
    {
      env: {
        ...process.env,
        KUBECONFIG: plane.kubeconfigPath,
        METRICS_PORT: '0',
        METRICS_HOST: '127.0.0.1',
        RECONCILER_SELECTOR: `zeroloop.dev/test=${namespace}`,
      },
      // The IPC channel carries the relay's RelayStarted record.
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    },
  );
  cleanup.push(async () => {
    relay.kill('SIGTERM');
    await sleep(500);
  });
  const { url, metricsUrl } = await relayStarted(relay);
  const metrics = async () => (await fetch(metricsUrl)).text();
  while ((await fetch(`${url}/readyz`)).status !== 200) await sleep(100);
  progress(`relay ready (pid ${relay.pid ?? '?'})`);

  // The observer: a watch on the namespace's ConfigMaps, as any client would see them.
  const seen = new Map<string, number>();
  const waiters = new Map<string, () => void>();
  const informers = new InformerFactory({
    listerWatcherFor: (scope) =>
      new ApiListerWatcher({ client: kube.client, discovery: new Discovery(kube.client), scope }),
  });
  const configMaps = informers.acquire({ ...CONFIGMAP, namespace });
  configMaps.subscribe((delta) => {
    if (delta.type !== 'added') return;
    const name = delta.object.metadata.name;
    seen.set(name, performance.now());
    waiters.get(name)?.();
  });
  await configMaps.waitForSync();
  cleanup.push(() => informers.stopAll());
  const website = (name: string) => ({
    ...WEBSITE,
    metadata: { name, namespace },
    // No Service: the local control plane's service IP range holds a few hundred addresses only.
    spec: { html: `<h1>${name}</h1>`, expose: false },
  });

  // 1. Sequential creates: event → applied latency.
  const latencies: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) {
    const name = `seq-${i}`;
    const applied = new Promise<void>((resolve) => waiters.set(`${name}-html`, resolve));
    const t0 = performance.now();
    await kube.create(website(name));
    await applied;
    latencies.push((seen.get(`${name}-html`) ?? NaN) - t0);
    if ((i + 1) % 50 === 0)
      progress(`sequential ${i + 1}/${SEQUENTIAL}, p50 so far ${percentile(latencies, 50)} ms`);
  }
  for (let i = 0; i < SEQUENTIAL; i++)
    await kube.delete(WEBSITE.apiVersion, WEBSITE.kind, namespace, `seq-${i}`);
  progress('sequential Websites deleted; waiting 5 s');
  await sleep(5000);

  // 2. Bulk: BULK Websites at once.
  const bulkNames = Array.from({ length: BULK }, (_, i) => `bulk-${i}`);
  const reconcilesBefore = sumMetric(await metrics(), 'zeroloop_reconciles_total');
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < bulkNames.length) {
        const name = bulkNames[next++] ?? '';
        await kube.create(website(name));
      }
    }),
  );
  const createdMs = performance.now() - t0;
  progress(`${BULK} creates sent in ${Math.round(createdMs)} ms`);
  for (;;) {
    const done = bulkNames.filter((n) => seen.has(`${n}-html`)).length;
    if (done === BULK) break;
    progress(`converging: ${done}/${BULK}`);
    await sleep(2000);
  }
  const convergeMs = Math.max(...bulkNames.map((n) => seen.get(`${n}-html`) ?? NaN)) - t0;
  progress(`converged in ${Math.round(convergeMs)} ms; letting it settle`);
  // Settled: no reconcile for 5 s (the Deployment controller's status updates wake Websites for a while), at most 2 min.
  let last = -1;
  const settleDeadline = performance.now() + 120_000;
  while (performance.now() < settleDeadline) {
    const now = sumMetric(await metrics(), 'zeroloop_reconciles_total');
    if (now === last) break;
    last = now;
    await sleep(5000);
  }
  const text = await metrics();
  const status = readFileSync(`/proc/${relay.pid ?? 0}/status`, 'utf8');
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  const hwmKiB = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  const figures = {
    benchmark: 'relay',
    date: new Date().toISOString(),
    command: 'npm run build:reconcilers && npm run bench:relay',
    machine: {
      cpus: cpus().length,
      memGiB: Math.round(totalmem() / 2 ** 30),
      loadavg1mAtEnd: round(loadavg()[0] ?? 0),
    },
    setup: {
      reconciler: 'website (QuickJS component) in workerd via wrangler test harness',
      relayConcurrency: CONCURRENCY,
      relayNodeFlags: RELAY_NODE_FLAGS,
      observer: 'a watch on the ConfigMaps of the namespace',
    },
    eventToApplied: {
      what: `${SEQUENTIAL} sequential Website creates; create call → its ConfigMap seen by a watch`,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      minMs: percentile(latencies, 0),
      maxMs: percentile(latencies, 100),
    },
    converge: {
      what: `${BULK} Websites created at once (${IN_FLIGHT} creates in flight); until every ConfigMap is seen`,
      createsSentMs: Math.round(createdMs),
      convergeMs: Math.round(convergeMs),
      reconciles: sumMetric(text, 'zeroloop_reconciles_total') - reconcilesBefore,
      failedReconciles:
        sumMetric(text, 'zeroloop_reconciles_total') -
        sumMetric(text, 'zeroloop_reconciles_total', { result: 'success' }),
    },
    relayMemory: {
      what: `relay process with ${BULK} Websites (and their ${BULK * 2} owned objects: Deployment, ConfigMap) cached, after settling`,
      rssMiB: round(rssKiB / 1024),
      heapUsedMiB: round(sumMetric(text, 'nodejs_heap_size_used_bytes') / 2 ** 20),
      heapTotalMiB: round(sumMetric(text, 'nodejs_heap_size_total_bytes') / 2 ** 20),
      peakRssMiB: round(hwmKiB / 1024),
    },
  };
  writeFileSync(new URL(`${TAG}.json`, results), JSON.stringify(figures, null, 2) + '\n');
  writeFileSync(
    new URL(`${TAG}.md`, results),
    [
      '# Relay benchmark',
      '',
      `${figures.date}, ${figures.machine.cpus} CPUs. Command: \`${figures.command}\`.` +
        (RELAY_NODE_FLAGS.length > 0 ? ` Relay node flags: \`${RELAY_NODE_FLAGS.join(' ')}\`.` : ''),
      '',
      '| figure | value |',
      '|---|---|',
      `| event→applied p50 (${SEQUENTIAL} sequential creates) | ${figures.eventToApplied.p50Ms} ms |`,
      `| event→applied p99 | ${figures.eventToApplied.p99Ms} ms |`,
      `| converge ${BULK} Websites created at once | ${figures.converge.convergeMs} ms (${figures.converge.reconciles} reconciles) |`,
      `| relay RSS with ${BULK} primaries | ${figures.relayMemory.rssMiB} MiB (peak ${figures.relayMemory.peakRssMiB} MiB) |`,
      `| relay V8 heap used / reserved | ${figures.relayMemory.heapUsedMiB} / ${figures.relayMemory.heapTotalMiB} MiB |`,
      '',
    ].join('\n'),
  );
  console.log(JSON.stringify(figures, null, 2));
} finally {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
}
