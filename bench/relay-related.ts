// Benchmark: event→status latency for a Pod readiness change (related objects), real control plane + workerd.
//
// One Database (members: 1) and its member Pod; the Pod's Ready condition is flipped TOGGLES
// times, one after another. Each latency runs from the status patch of the Pod until a watch on
// Databases sees `status.readyMembers` follow. Writes bench/results/relay-related.json.
// Run: npm run build:reconcilers && npm run bench:relay-related
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { Discovery } from '../relay/kube/discovery.ts';
import { ApiListerWatcher } from '../relay/watch/list-watch.ts';
import { InformerFactory } from '../relay/watch/informer.ts';
import { eventually } from '../test/support/kube.ts';
import { DATABASE, DATABASE_RECONCILER, POD, startRelayEnv } from '../test/support/relay-env.ts';

const TOGGLES = Number(process.env.BENCH_TOGGLES ?? 100);
const progress = (msg: string) => process.stderr.write(`[bench:relay-related] ${msg}\n`);

const env = await startRelayEnv({ name: 'bench-related', reconcilers: [DATABASE_RECONCILER] });
try {
  const { kube, namespace } = env;
  const informers = new InformerFactory({
    listerWatcherFor: (scope) =>
      new ApiListerWatcher({ client: kube.client, discovery: new Discovery(kube.client), scope }),
  });
  const databases = informers.acquire({ ...DATABASE, namespace });
  let waiter: { want: number; resolve: (at: number) => void } | undefined;
  databases.subscribe((delta) => {
    const ready = (delta.object.status as { readyMembers?: number } | undefined)?.readyMembers;
    if (waiter && ready === waiter.want) waiter.resolve(performance.now());
  });
  await databases.waitForSync();

  await kube.create({ ...DATABASE, metadata: { name: 'lat', namespace }, spec: { members: 1 } });
  await kube.create({
    ...POD,
    metadata: {
      name: 'lat-0',
      namespace,
      labels: { 'app.kubernetes.io/name': 'database', 'app.kubernetes.io/instance': 'lat' },
    },
    spec: { containers: [{ name: 'mongod', image: 'percona/percona-server-mongodb:7.0' }] },
  });
  await eventually('readyMembers 0', async () => {
    const db = await kube.get(DATABASE.apiVersion, DATABASE.kind, namespace, 'lat');
    return (db?.status as { readyMembers?: number } | undefined)?.readyMembers === 0 ? true : undefined;
  });

  const latencies: number[] = [];
  for (let i = 0; i < TOGGLES; i++) {
    const ready = i % 2 === 0;
    const seen = new Promise<number>((resolve) => (waiter = { want: ready ? 1 : 0, resolve }));
    const t0 = performance.now();
    // No kubelet: the benchmark reports readiness the way the kubelet would.
    await kube.patch(
      POD.apiVersion,
      POD.kind,
      namespace,
      'lat-0',
      { status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } },
      'status',
    );
    latencies.push((await seen) - t0);
    waiter = undefined;
    if ((i + 1) % 25 === 0) progress(`${i + 1}/${TOGGLES}`);
  }
  await informers.stopAll();
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (p: number) =>
    Math.round(
      (sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN) *
        10,
    ) / 10;
  const figures = {
    benchmark: 'relay-related',
    date: new Date().toISOString(),
    command: 'npm run build:reconcilers && npm run bench:relay-related',
    machine: { cpus: cpus().length, loadavg1mAtEnd: Math.round((loadavg()[0] ?? 0) * 10) / 10 },
    what: `${TOGGLES} Pod readiness flips; Pod status patch → Database status.readyMembers seen by a watch`,
    p50Ms: at(50),
    p99Ms: at(99),
    minMs: at(0),
    maxMs: at(100),
  };
  writeFileSync(
    new URL('./results/relay-related.json', import.meta.url),
    JSON.stringify(figures, null, 2) + '\n',
  );
  console.log(JSON.stringify(figures, null, 2));
} finally {
  await env.stop();
}
