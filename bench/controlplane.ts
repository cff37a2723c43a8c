// Benchmarks the local control plane, light and with workloads: cached start time (median of 5), stop time, idle RSS.
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureBinaries, startControlPlane } from '../cluster/index.ts';
import { median } from './stats.ts';
import { silentLogger, stderrLogger } from '../relay/observe/log.ts';

const STARTS = Number(process.env.BENCH_STARTS ?? 5);
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 10_000);
const log = stderrLogger('bench.controlplane');

/** Resident set size in KiB from /proc/<pid>/status (VmRSS). */
function rssKiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match?.[1] === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]);
}

const binaries = await ensureBinaries({ logger: log });

/** The light plane (what most tests use) and the plane with workloads (npm start, npm run cluster). */
const MODES = [
  { name: 'light', workloads: false },
  { name: 'workloads', workloads: true },
] as const;

async function measure(workloads: boolean) {
  const startsMs: number[] = [];
  const stopsMs: number[] = [];
  let idle: Record<string, number> = {};
  for (let i = 1; i <= STARTS; i++) {
    const t0 = performance.now();
    const plane = await startControlPlane({ binaries, logger: silentLogger, workloads });
    const startMs = Math.round(performance.now() - t0);
    startsMs.push(startMs);
    if (i === STARTS) {
      // Idle footprint: nothing talks to the cluster for IDLE_MS after it became ready (kwok still renews
      // its nodes' Leases, as kubelets would).
      await sleep(IDLE_MS);
      idle = Object.fromEntries(
        Object.entries(plane.pids)
          .filter(([, pid]) => pid !== 0)
          .map(([name, pid]) => [name, rssKiB(pid)]),
      );
    }
    const t1 = performance.now();
    await plane.stop();
    stopsMs.push(Math.round(performance.now() - t1));
    log.info('bench.start', { workloads, run: i, startMs, stopMs: stopsMs.at(-1) });
  }
  const idleRssMiB = Object.fromEntries(
    Object.entries(idle).map(([k, v]) => [k, Math.round(v / 102.4) / 10]),
  );
  return {
    startsMs,
    startMedianMs: median(startsMs),
    stopsMs,
    stopMedianMs: median(stopsMs),
    idleRssMiB: {
      ...idleRssMiB,
      total: Math.round(Object.values(idle).reduce((a, b) => a + b, 0) / 102.4) / 10,
    },
  };
}

const modes: Record<string, Awaited<ReturnType<typeof measure>>> = {};
for (const mode of MODES) modes[mode.name] = await measure(mode.workloads);

const result = {
  benchmark: 'controlplane',
  date: new Date().toISOString(),
  kubernetes: binaries.pins.kubernetes,
  etcd: binaries.pins.etcd,
  kwok: binaries.pins.kwok,
  what:
    'startControlPlane() with cached binaries, until /readyz ok and the default ServiceAccount exists ' +
    '(light), and also every fake node Ready (workloads: kube-scheduler, kwok, 3 nodes, all controllers)',
  command: 'npm run bench:controlplane',
  machine: {
    cpus: availableParallelism(),
    memGiB: Math.round(totalmem() / 2 ** 30),
    loadavg1mAtEnd: Math.round(loadavg()[0] ?? 0),
    node: process.version,
  },
  idleAfterMs: IDLE_MS,
  ...modes,
};
const dir = join(import.meta.dirname, 'results');
await mkdir(dir, { recursive: true });
await writeFile(join(dir, 'controlplane.json'), `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
