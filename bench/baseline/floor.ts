// The floor of `npm run bench -- compare`: a bare client that sends each Website's writes (server-side applies), with no watch, cache or read.
//
// Run by bench/baseline/systems.ts (startFloor) as its own process with an IPC channel, so its RSS and CPU
// are read from /proc like the other systems'. The benchmark sends it a `created` message for each Website
// it creates (what the create's answer says, in place of a watch event); the floor applies the ConfigMap,
// the Deployment and the status bench/baseline ends with (floor-objects.ts), one Website's writes after
// another, `--concurrency` Websites at a time, and reports each Website written. A failed write is retried
// (up to 5 attempts, 50 ms doubling); every failed attempt is counted and logged.
// What it measures: the least any controller must send to write each Website's children and first status,
// with nothing read. On a plane with workloads its Deployments get ReplicaSets, Pods and statuses from the
// plane like every system's (the same apiserver traffic, so its burst rows stay comparable), but it never
// learns of them: its status stays the first one (RolloutInProgress), and the benchmark times its Deployments
// becoming available, not a Ready status.
// Env: KUBECONFIG (the control plane's). Args: --concurrency=N (default 4).
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeApiError, KubeClient } from '../../relay/kube/client.ts';
import { loadKubeconfigFile } from '../../relay/kube/rest-config.ts';
import { createLogger, errorFields } from '../../relay/observe/log.ts';
import { floorWrites } from './floor-objects.ts';
import type { FloorWrite } from './floor-objects.ts';
import { FloorCreated } from './floor-protocol.ts';
import type { FloorReport } from './floor-protocol.ts';

const FIELD_MANAGER = 'bench-floor';
const ATTEMPTS = 5;

const log = createLogger({}, { component: 'bench-floor' });
const { values } = parseArgs({ options: { concurrency: { type: 'string', default: '4' } } });
const concurrency = Number(values.concurrency);
const kubeconfig = process.env.KUBECONFIG;
if (!Number.isInteger(concurrency) || concurrency < 1 || !kubeconfig || process.send === undefined) {
  log.error(
    'usage: KUBECONFIG=PATH node bench/baseline/floor.ts --concurrency=N, spawned with an IPC channel',
    {
      concurrency: values.concurrency,
      kubeconfig: kubeconfig ?? null,
    },
  );
  process.exit(2);
}
const client = new KubeClient(await loadKubeconfigFile(kubeconfig), { userAgent: 'zeroloop-bench-floor' });

const send = (report: FloorReport) => process.send?.(report);

/** 429, 5xx and no answer are worth another attempt; anything else is a bug in the floor's objects. */
const retriable = (error: unknown) =>
  error instanceof KubeApiError && (error.status === 0 || error.status === 429 || error.status >= 500);

/** One apply, retried; returns the attempts that failed. */
async function apply(write: FloorWrite, key: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.request('PATCH', write.path, {
        query: { fieldManager: FIELD_MANAGER, force: true },
        body: write.body,
        contentType: 'application/apply-patch+yaml',
      });
      return attempt - 1;
    } catch (error) {
      const last = attempt >= ATTEMPTS || !retriable(error);
      log.warn(last ? 'write failed, giving up' : 'write failed, retrying', {
        website: key,
        write: write.what,
        attempt,
        error: errorFields(error),
      });
      if (last) return attempt;
      await sleep(50 * 2 ** (attempt - 1));
    }
  }
}

const queue: FloorCreated[] = [];
let running = 0;

async function drain(): Promise<void> {
  running++;
  try {
    for (let website = queue.shift(); website; website = queue.shift()) {
      const key = `${website.namespace}/${website.name}`;
      const writes = floorWrites(website);
      let failed = 0;
      for (const write of writes) failed += await apply(write, key);
      send({ type: 'written', name: website.name, writes: writes.length, failed });
    }
  } finally {
    running--;
  }
}

process.on('message', (message) => {
  const parsed = FloorCreated.safeParse(message);
  if (!parsed.success) {
    log.error('not a created Website; ignored', { message });
    return;
  }
  queue.push(parsed.data);
  if (running < concurrency) void drain();
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready', pid: process.pid });
log.info('floor ready', { concurrency, fieldManager: FIELD_MANAGER });
