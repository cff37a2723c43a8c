// Benchmark: where the relay's CPU goes over a burst. Runs compare with the relay alone under --cpu-prof, then sums the relay's profile by part (baseline/cpu-parts.ts) and writes bench/results/relay-cpu.{json,md}.
//
// compare runs as usual (the plane with workloads unless BENCH_WORKLOADS=0; the relay as deployed, its
// Deployment's node flags plus --cpu-prof) with BENCH_BULK Websites at once (default 300) and 20
// sequential creates; its own figures go to bench/results/relay-cpu-compare.{json,md}. The profile
// covers the relay's whole life (start, sequential creates, burst, idle, shutdown); its busy time is the
// profiler's, with its overhead, so the shares are the figure and the seconds only a scale.
// Run: npm run bench -- relay-cpu
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CpuProfile, cpuParts, type PartFigures } from './baseline/cpu-parts.ts';
import { deployedNodeFlags } from './baseline/deployed-relay.ts';
import { load1m, machineFigures } from './baseline/phases.ts';

const BULK = Number(process.env.BENCH_BULK ?? 300);
const COMPARE_NAME = 'relay-cpu-compare';
const results = new URL('./results/', import.meta.url);
const progress = (msg: string) =>
  process.stderr.write(`[bench:relay-cpu] ${new Date().toISOString().slice(11, 19)} ${msg}\n`);

const loadAtStart = load1m();
const dir = mkdtempSync(join(tmpdir(), 'zeroloop-relay-cpu-'));
const flags = [...deployedNodeFlags(), '--cpu-prof', `--cpu-prof-dir=${dir}`].join(' ');
progress(`compare with the relay alone, ${BULK} at once, relay flags: ${flags}`);
const run = spawnSync(process.execPath, [fileURLToPath(new URL('./compare.ts', import.meta.url))], {
  stdio: 'inherit',
  env: {
    ...process.env,
    BENCH_SYSTEMS: 'zeroloop',
    BENCH_BULK: String(BULK),
    BENCH_SEQUENTIAL: '20',
    BENCH_IDLE_SECONDS: '5',
    BENCH_RELAY_NODE_FLAGS: flags,
    BENCH_RESULTS_NAME: COMPARE_NAME,
    BENCH_RUN_BY: 'npm run bench -- relay-cpu',
  },
});
if (run.status !== 0) {
  progress(`compare failed (exit ${String(run.status)}); profiles, if any, are in ${dir}`);
  process.exit(1);
}

/** The relay's profile: the one whose frames run relay.mjs (only the relay had --cpu-prof). */
function relayProfile(): { profile: CpuProfile; bundleUrl: string } {
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, name), 'utf8')) as CpuProfile;
    const bundleUrl = profile.nodes.find((n) => n.callFrame.url.endsWith('/relay.mjs'))?.callFrame.url;
    if (bundleUrl !== undefined) return { profile, bundleUrl };
  }
  throw new Error(`no profile of relay.mjs in ${dir}: did the relay exit cleanly (SIGTERM)?`);
}

const { profile, bundleUrl } = relayProfile();
const figures: PartFigures = cpuParts(profile, bundleUrl, readFileSync(fileURLToPath(bundleUrl), 'utf8'));
rmSync(dir, { recursive: true, force: true });

interface CompareBurst {
  count: number;
  reconcilesToSettle: number;
  workerRequests: number;
  parts: Record<string, { cpuSeconds?: number }>;
}
const compared = JSON.parse(readFileSync(new URL(`${COMPARE_NAME}.json`, results), 'utf8')) as {
  setup?: { workloads?: boolean };
  systems: { zeroloop: { burst: CompareBurst } };
};
const burst = compared.systems.zeroloop.burst;
const date = new Date().toISOString();
const command = 'npm run bench -- relay-cpu';
const result = {
  benchmark: 'relay-cpu',
  date,
  command,
  machine: machineFigures(loadAtStart),
  relayNodeFlags: flags.replace(/--cpu-prof-dir=\S+/, '--cpu-prof-dir=<tmp>'),
  burst: {
    websites: burst.count,
    reconciles: burst.reconcilesToSettle,
    workerCalls: burst.workerRequests,
    relayCpuSeconds: burst.parts.relay?.cpuSeconds,
    workerdCpuSeconds: burst.parts.workerd?.cpuSeconds,
  },
  profile: figures,
};
writeFileSync(new URL('relay-cpu.json', results), `${JSON.stringify(result, null, 2)}\n`);

/** Parts under 1 % of the busy time are one row: the table is for where the time goes. */
const shown = figures.parts.filter((p) => p.share >= 1);
const rest = figures.parts.filter((p) => p.share < 1);
const restMs = rest.reduce((sum, p) => sum + p.ms, 0);
const rows = [
  ...shown.map((p) => `| ${p.name} | ${String(p.ms)} | ${p.share.toFixed(1)} % |`),
  ...(rest.length > 0
    ? [
        `| ${String(rest.length)} other parts under 1 % each | ${String(restMs)} | ${((100 * restMs) / Math.max(1, figures.busyMs)).toFixed(1)} % |`,
      ]
    : []),
];
const top = figures.top.map((t) => `| \`${t.fn}\` | ${t.file || '(native)'} | ${String(t.ms)} |`);
const markdown = `# Where the relay's CPU goes

${date}, ${String(result.machine.cpus)} CPUs, ${String(result.machine.memGiB)} GiB; load average ${String(result.machine.loadavg1mAtStart)} at start, ${String(result.machine.loadavg1mAtEnd)} at end. Command: \`${command}\`.

The relay as deployed (\`node ${result.relayNodeFlags} relay.mjs\`) under compare with no other system: 20
sequential creates, then ${String(burst.count)} Websites at once (\`${COMPARE_NAME}.md\` has compare's own figures for
this run: ${String(burst.reconcilesToSettle)} reconciles over the burst, ${String(burst.workerRequests)} worker calls, relay CPU
${String(result.burst.relayCpuSeconds ?? '–')} s and workerd ${String(result.burst.workerdCpuSeconds ?? '–')} s from /proc). Busy time in the profile:
${String(figures.busyMs)} ms, the profiler's overhead included; each sample counts for the nearest frame that
belongs to a part (bench/baseline/cpu-parts.ts), so zod or JSON called by the watch count as the watch.

| part | ms | share of busy time |
|---|---|---|
${rows.join('\n')}

Functions with the most self time:

| function | file | ms |
|---|---|---|
${top.join('\n')}
`;
writeFileSync(new URL('relay-cpu.md', results), markdown);
progress(
  `wrote bench/results/relay-cpu.{json,md}: ${String(figures.busyMs)} ms busy, ${figures.parts[0]?.name ?? '?'} first`,
);
