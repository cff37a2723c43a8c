// Benchmark: the worker's hook side in plain workerd (the production bundle, its ClusterHooks object on SQLite).
//
// - flood: 10,000 GET /healthz as the floor (workerd's own cost of a request), then 10,000 badly signed POSTs of a real GitHub push (~7 KB) to a hook's real path (the object
//   reads, verifies and refuses each), then 10,000 to a path of a cluster the worker holds no key for
//   (refused by the worker alone); every answer must be 401, workerd's CPU (utime + stime from /proc)
//   per refusal, and afterwards /healthz and a correctly signed delivery still work;
// - dedup: one delivery posted 1,000 times with its valid signature: 1 × 202, 999 × 409, stored once,
//   sent to the relay once;
// - delivery: POST sent → the `delivery` frame arriving on the relay's WebSocket, p50/p99 over 200
//   deliveries posted one after another (the worker's share of a hook's latency).
// - idle (`--idle-minutes=10`): connected with a "ping" every 30 s; the frames the object's code handled
//   (0: the runtime answered every ping) and workerd's CPU over the time.
// The relay's share (frame → reconcile start) is measured by the relay's benchmark and goes under
// `relay` in the same results file.
// Writes bench/results/hooks.json. Run: npm run bench -- hooks [--idle-minutes=10]
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { HOOK_ROUTES, HookStatus } from '../src/protocol/hooks.ts';
import { DEFAULT_KEY_ID } from '../src/signing.ts';
import { sampleTrees } from './baseline/procfs.ts';
import { percentile } from './stats.ts';
import {
  githubExamples,
  githubHeaders,
  hookConfig,
  postHook,
  RelaySocket,
  relayHeaders,
} from '../worker/testing/hooks.ts';
import { TEST_SECRETS } from '../worker/testing/harness.ts';
import { TEST_SECRET } from '../worker/testing/requests.ts';
import { startPlainWorkerd } from '../worker/testing/workerd.ts';

const FLOOD = 10_000;
const CONCURRENCY = 16;
const REPEATS = 1_000;
const DELIVERIES = 200;
/** `--idle-minutes=N`: stay connected N minutes, pinging as the relay does (0: skip; the figure wants ≥ 10). */
const IDLE_MINUTES = Number(
  /^--idle-minutes=(\d+)$/.exec(process.argv.find((a) => a.startsWith('--idle-minutes=')) ?? '')?.[1] ?? 0,
);
const PING_EVERY_MS = 30_000;
const RESULTS = new URL('./results/hooks.json', import.meta.url);
const CLUSTER = 'default';
const DEFAULT_KEY = { keyId: DEFAULT_KEY_ID, secret: TEST_SECRET, cluster: CLUSTER } as const;
const progress = (msg: string) => {
  console.log(`[bench:hooks] ${new Date().toISOString().slice(11, 19)} ${msg}`);
};
const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Runs `count` calls of `one` with `CONCURRENCY` in flight; returns the statuses seen and the wall time. */
async function burst(count: number, one: (i: number) => Promise<number>) {
  const statuses: Record<string, number> = {};
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < count; i = next++) {
        const status = String(await one(i));
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }),
  );
  return { statuses, wallMs: performance.now() - started };
}

progress('building the production bundle and starting plain workerd…');
const workerd = await startPlainWorkerd(TEST_SECRETS);
const pid = workerd.process.pid;
if (pid === undefined) throw new Error('workerd has no pid');
const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  loadAtStart: loadavg().map((l) => round(l, 2)),
};
try {
  const [push] = (await githubExamples('push')).filter((p) => p.ref === 'refs/heads/master');
  const body = JSON.stringify(push);
  const hook = await hookConfig(CLUSTER, {
    name: 'bench',
    type: 'github',
    secret: 'bench-hook-secret',
    events: ['push'],
    filter: 'body.ref == "refs/heads/master"',
    summary: { maxBytes: 1024, fields: ['ref', 'after', 'repository.full_name'] },
    rateLimit: { perMinute: 6000 },
  });
  const relay = await RelaySocket.open(workerd.url, DEFAULT_KEY);
  relay.send({ type: 'hooks', hooks: [hook] });
  await new Promise((r) => setTimeout(r, 300));

  const forged = await githubHeaders('not-the-secret', body, 'push', randomUUID());
  const floods: Record<string, unknown> = {};
  for (const [name, path] of [
    ['healthz', '/healthz'],
    ['knownPath', hook.path],
    ['unknownCluster', `/hooks/nowhere/${hook.path.slice(-64)}`],
  ] as const) {
    progress(`flood ${name}: ${String(FLOOD)} requests…`);
    const cpuBefore = sampleTrees([pid]).cpuSeconds;
    const { statuses, wallMs } = await burst(FLOOD, async () => {
      const response =
        path === '/healthz'
          ? await fetch(new URL(path, workerd.url))
          : await postHook(workerd.url, path, body, forged);
      await response.arrayBuffer();
      return response.status;
    });
    const cpuSeconds = sampleTrees([pid]).cpuSeconds - cpuBefore;
    floods[name] = {
      requests: FLOOD,
      bodyBytes: path === '/healthz' ? 0 : body.length,
      statuses,
      wallSeconds: round(wallMs / 1000, 2),
      requestsPerSecond: Math.round(FLOOD / (wallMs / 1000)),
      workerdCpuSeconds: round(cpuSeconds, 2),
      cpuMsPerRequest: round((cpuSeconds * 1000) / FLOOD),
    };
    progress(`flood ${name}: ${JSON.stringify(floods[name])}`);
  }
  const framesDuringFlood = relay.json('delivery').length;
  const health = await fetch(new URL('/healthz', workerd.url));
  const afterFlood = await postHook(
    workerd.url,
    hook.path,
    body,
    await githubHeaders(hook.secret, body, 'push', randomUUID()),
  );
  floods.afterwards = { healthz: health.status, validDelivery: afterFlood.status, framesDuringFlood };
  results.flood = floods;

  const statusOf = async (): Promise<HookStatus> => {
    const response = await fetch(new URL(HOOK_ROUTES.status, workerd.url), {
      headers: await relayHeaders(DEFAULT_KEY, HOOK_ROUTES.status),
    });
    return HookStatus.parse(await response.json());
  };
  const pendingOf = async (): Promise<number> => (await statusOf()).pending;
  const pendingBefore = await pendingOf();
  progress(`dedup: one delivery posted ${String(REPEATS)} times…`);
  const delivery = randomUUID();
  const signed = await githubHeaders(hook.secret, body, 'push', delivery);
  const { statuses } = await burst(REPEATS, async () => {
    const response = await postHook(workerd.url, hook.path, body, signed);
    await response.arrayBuffer();
    return response.status;
  });
  await relay.until(() => relay.json('delivery').some((d) => d.id === delivery), 'the deduplicated delivery');
  await new Promise((r) => setTimeout(r, 500));
  results.dedup = {
    posts: REPEATS,
    statuses,
    framesSent: relay.json('delivery').filter((d) => d.id === delivery).length,
    stored: (await pendingOf()) - pendingBefore,
  };
  progress(`dedup: ${JSON.stringify(results.dedup)}`);
  relay.send({ type: 'ack', ids: relay.json('delivery').map((d) => String(d.id)) });

  progress(`delivery: ${String(DELIVERIES)} posts → frames on the relay's socket…`);
  const latencies: number[] = [];
  for (let i = 0; i < DELIVERIES; i++) {
    const id = randomUUID();
    const headers = await githubHeaders(hook.secret, body, 'push', id);
    const started = performance.now();
    const response = await postHook(workerd.url, hook.path, body, headers);
    if (response.status !== 202)
      throw new Error(`delivery ${String(i)}: ${String(response.status)} ${await response.text()}`);
    await relay.until(() => relay.json('delivery').some((d) => d.id === id), `delivery ${String(i)}`);
    latencies.push(performance.now() - started);
    relay.send({ type: 'ack', ids: [id] });
  }
  results.delivery = {
    deliveries: DELIVERIES,
    postToFrameMs: { p50: round(percentile(latencies, 50), 2), p99: round(percentile(latencies, 99), 2) },
  };
  progress(`delivery: ${JSON.stringify(results.delivery)}`);

  if (IDLE_MINUTES > 0) {
    progress(
      `idle: ${String(IDLE_MINUTES)} min connected, a "ping" every ${String(PING_EVERY_MS / 1000)} s as the relay sends…`,
    );
    const before = await statusOf();
    const cpuBefore = sampleTrees([pid]).cpuSeconds;
    const pongsBefore = relay.frames.filter((f) => f === 'pong').length;
    const pings = Math.floor((IDLE_MINUTES * 60_000) / PING_EVERY_MS);
    for (let i = 0; i < pings; i++) {
      await new Promise((r) => setTimeout(r, PING_EVERY_MS));
      relay.send('ping');
    }
    await relay.until(
      () => relay.frames.filter((f) => f === 'pong').length - pongsBefore === pings,
      'the pongs',
    );
    const cpuSeconds = sampleTrees([pid]).cpuSeconds - cpuBefore;
    const after = await statusOf();
    results.idle = {
      minutes: IDLE_MINUTES,
      pings,
      pongs: relay.frames.filter((f) => f === 'pong').length - pongsBefore,
      framesTheObjectHandled: after.handledFrames - before.handledFrames,
      workerdCpuSeconds: round(cpuSeconds, 2),
    };
    progress(`idle: ${JSON.stringify(results.idle)}`);
  }
  await relay.close();
} finally {
  await workerd.close();
}

// Keep the relay's figures if its benchmark wrote them.
const earlier: unknown = await readFile(RESULTS, 'utf8').then(
  (text) => JSON.parse(text) as unknown,
  () => undefined,
);
const relayFigures =
  typeof earlier === 'object' && earlier !== null && 'relay' in earlier ? earlier.relay : undefined;
results.relay = relayFigures ?? {
  note: 'POST → reconcile start (p50/p99) is measured by the relay side and written here under "relay".',
};
await writeFile(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
progress(`wrote ${RESULTS.pathname}`);
