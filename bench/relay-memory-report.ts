// Renders bench/results/relay-memory.md from the relay-memory benchmark's figures.
import type { HeapBreakdown } from './heap-breakdown.ts';
import type { RssByMapping } from './smaps.ts';

export interface MemoryFigures {
  system: string;
  websites: number;
  cachedObjects: number;
  convergeMs: number;
  rssMiB: number;
  peakRssMiB: number;
  /** CPU of the system's process from its start (list, burst, settle). */
  cpuSeconds: number;
  /** The relay only: after a forced full GC. */
  afterGc?: {
    rssMiB: number;
    heapUsedMiB: number;
    heapTotalMiB: number;
    externalMiB: number;
    heapUsedBeforeGcMiB: number;
  };
  /** RSS by kind of mapping at the end (the relay: after the forced GC). */
  mappings?: RssByMapping;
  heap?: HeapBreakdown;
}

export interface MemoryReport {
  date: string;
  command: string;
  machine: { cpus: number; memGiB: number; loadavg1mAtStart: number; loadavg1mAtEnd: number };
  relayNodeFlags: string[];
  /** Set when the relay ran with glibc's MALLOC_ARENA_MAX. */
  relayMallocArenaMax?: string | undefined;
  runs: MemoryFigures[];
}

const ratio = (a: number, b: number | undefined) => (b ? String(Math.round((a / b) * 100) / 100) : '–');

function heapTable(heap: HeapBreakdown, title: string): string[] {
  return [
    `### Heap breakdown: ${title}`,
    '',
    `Self sizes of every live heap object, each counted once, under the first labelled object that dominates it (${heap.nodes.toLocaleString('en')} nodes, ${heap.totalMiB} MiB; more than heap used, since the snapshot also counts node's built-in module sources, external strings outside the V8 heap, under strings). Per cached object: ${heap.perObjectKiB.cache} KiB in the caches, ${heap.perObjectKiB.heapUsed} KiB of used heap after GC, ${heap.perObjectKiB.heapUsedBeforeGc} KiB before.`,
    '',
    '| category | MiB |',
    '|---|---|',
    ...heap.categories.map((c) => `| ${c.name} | ${c.mib} |`),
    '',
    '| process memory (after the forced GC) | MiB |',
    '|---|---|',
    ...Object.entries(heap.process).map(([k, v]) => `| ${k} | ${v} |`),
    '',
  ];
}

export function memoryMarkdown(report: MemoryReport): string {
  const baselineOf = (r: MemoryFigures) =>
    report.runs.find((b) => b.system === 'baseline' && b.websites === r.websites && b.cachedObjects > 0);
  const lines = [
    '# Relay memory',
    '',
    `${report.date}, ${String(report.machine.cpus)} CPUs, ${String(report.machine.memGiB)} GiB; load ${String(report.machine.loadavg1mAtStart)} at start, ${String(report.machine.loadavg1mAtEnd)} at end. Command: \`${report.command}\`. Relay node flags: \`${report.relayNodeFlags.join(' ') || '(none)'}\` (+ \`--expose-gc\` for the forced GC)${report.relayMallocArenaMax ? `, MALLOC_ARENA_MAX=${report.relayMallocArenaMax}` : ''}.`,
    '',
    'Each system alone in a fresh namespace; Websites burst-created (50 in flight, concurrency 8), measured once all converged and reconciles stopped. Plain ConfigMaps (10k scenario) exist before the system starts. Baseline: bench/baseline (controller-runtime) in watch mode; its RSS is as it stands (no forced GC).',
    '',
    '| system | Websites | cached objects | converge | CPU | RSS | peak RSS | RSS after GC | heap used / total after GC | RSS / baseline RSS |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...report.runs.map((r) => {
      const g = r.afterGc;
      return `| ${r.system} | ${String(r.websites)} | ${String(r.cachedObjects)} | ${String(r.convergeMs)} ms | ${String(r.cpuSeconds)} s | ${String(r.rssMiB)} MiB | ${String(r.peakRssMiB)} MiB | ${g ? `${String(g.rssMiB)} MiB` : '–'} | ${g ? `${String(g.heapUsedMiB)} / ${String(g.heapTotalMiB)} MiB` : '–'} | ${r.system === 'baseline' ? '1' : ratio(r.rssMiB, baselineOf(r)?.rssMiB)} |`;
    }),
    '',
    'RSS by kind of mapping at the end (the relay: after the forced GC), from /proc/<pid>/smaps; approximate: malloc thread arenas are anonymous mappings in 64 MiB-aligned reservations, other anonymous memory is mostly V8 (heap pages, code) and stacks.',
    '',
    '| system | cached objects | file-backed | malloc main arena | malloc thread arenas | other anonymous |',
    '|---|---|---|---|---|---|',
    ...report.runs.flatMap((r) => {
      const m = r.mappings;
      return m
        ? [
            `| ${r.system} | ${String(r.cachedObjects)} | ${String(m.fileBackedMiB)} MiB | ${String(m.mallocMainArenaMiB)} MiB | ${String(m.mallocThreadArenasMiB)} MiB | ${String(m.otherAnonymousMiB)} MiB |`,
          ]
        : [];
    }),
    '',
  ];
  for (const r of report.runs)
    if (r.heap)
      lines.push(
        ...heapTable(
          r.heap,
          `${r.system}, ${String(r.websites)} Websites, ${String(r.cachedObjects)} objects`,
        ),
      );
  return `${lines.join('\n')}\n`;
}
