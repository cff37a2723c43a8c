// Splits a process's RSS by kind of mapping, from /proc/<pid>/smaps: file-backed, malloc's arenas, other anonymous memory (V8's heap pages).
//
// Approximate by construction: glibc's main arena is `[heap]`; its thread arenas are anonymous
// mappings inside 64 MiB-aligned reservations (their Size is up to 64 MiB); V8 reserves its own
// pages as anonymous mappings too, so what is left is mostly V8 (heap pages, code space) and stacks.
import { readFileSync } from 'node:fs';

export interface RssByMapping {
  fileBackedMiB: number;
  mallocMainArenaMiB: number;
  mallocThreadArenasMiB: number;
  otherAnonymousMiB: number;
  /** The five largest anonymous mappings by RSS: size and RSS in MiB. */
  largestAnonymous: { sizeMiB: number; rssMiB: number }[];
  /** Other anonymous mappings grouped by size (KiB): how many, and their RSS in MiB. */
  anonymousBySize: Record<string, { count: number; rssMiB: number }>;
}

const ARENA = 64 * 1024; // KiB

export function rssByMapping(pid: number): RssByMapping {
  const text = readFileSync(`/proc/${String(pid)}/smaps`, 'utf8');
  const sums = { file: 0, main: 0, arenas: 0, anon: 0 };
  const anon: { size: number; rss: number }[] = [];
  let current: { name: string; size: number; start: number } | undefined;
  for (const line of text.split('\n')) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      current = { name: header[3] ?? '', size: 0, start: parseInt(header[1] ?? '0', 16) };
      continue;
    }
    if (!current) continue;
    const size = /^Size:\s+(\d+) kB/.exec(line);
    if (size) current.size = Number(size[1]);
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (!rss) continue;
    const kib = Number(rss[1]);
    if (current.name === '[heap]') sums.main += kib;
    else if (current.name.startsWith('/')) sums.file += kib;
    else if (
      current.name === '' &&
      current.start % (ARENA * 1024) === 0 &&
      current.size <= ARENA &&
      current.size >= 132
    )
      sums.arenas += kib;
    else {
      sums.anon += kib;
      if (current.name === '') anon.push({ size: current.size, rss: kib });
    }
  }
  const mib = (kib: number) => Math.round((kib / 1024) * 10) / 10;
  const bySize: Record<string, { count: number; rssMiB: number }> = {};
  for (const m of anon) {
    const entry = (bySize[String(m.size)] ??= { count: 0, rssMiB: 0 });
    entry.count++;
    entry.rssMiB = Math.round((entry.rssMiB + m.rss / 1024) * 10) / 10;
  }
  return {
    fileBackedMiB: mib(sums.file),
    mallocMainArenaMiB: mib(sums.main),
    mallocThreadArenasMiB: mib(sums.arenas),
    otherAnonymousMiB: mib(sums.anon),
    largestAnonymous: anon
      .sort((a, b) => b.rss - a.rss)
      .slice(0, 5)
      .map((m) => ({ sizeMiB: mib(m.size), rssMiB: mib(m.rss) })),
    anonymousBySize: Object.fromEntries(
      Object.entries(bySize)
        .sort((a, b) => b[1].rssMiB - a[1].rssMiB)
        .slice(0, 8),
    ),
  };
}
