// Sums a V8 CPU profile of the relay's bundle by part of the relay (worker call, apiserver client, watch, apply, …): each sample goes to the part of the nearest frame that names one.
//
// The bundle (esbuild, not minified) marks where each source file starts with a `// <path>` line, so a
// frame's line in relay.mjs names its source file. A sample is walked from its leaf towards the root;
// the first frame whose file (or Node's internal module) belongs to a part decides. Library frames that
// belong to none (zod, streams, timers) pass the sample up to their caller, so zod called by the watch
// counts as the watch. Samples no frame claims are `other: <leaf file>`.

/** The parts of the relay, in the order a frame is matched against them. */
export const PARTS: readonly { name: string; files: RegExp }[] = [
  {
    name: 'worker call (request, signing, HTTP/1.1 to the worker, answer)',
    // Node's own undici serves the worker calls when it made the global dispatcher first.
    files: /relay\/dispatch\/|relay\/controller\/worker-call|src\/signing|client-h1\.js|llhttp|deps\/undici/,
  },
  { name: 'apiserver client (HTTP/2)', files: /relay\/kube\/|node:internal\/http2|client-h2\.js/ },
  { name: 'watch → store (decode, trim, cache)', files: /relay\/watch\// },
  { name: 'apply (intent, server-side apply bodies)', files: /relay\/apply\// },
  { name: 'controller and queue', files: /relay\/controller\/|relay\/queue\// },
  { name: 'logs', files: /relay\/observe\/log\.ts/ },
  { name: 'metrics', files: /relay\/observe\/|prom-client/ },
];

export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
}

export interface PartFigures {
  /** Milliseconds the relay was not idle. */
  busyMs: number;
  /** Part → milliseconds, largest first. */
  parts: { name: string; ms: number; share: number }[];
  /** The functions with the most self time: name, file, milliseconds. */
  top: { fn: string; file: string; ms: number }[];
}

/** Maps a line of the bundle to the source file whose `// <path>` mark precedes it. */
export function bundleFiles(bundleText: string): (line: number) => string {
  const marks: [number, string][] = [];
  bundleText.split('\n').forEach((text, line) => {
    const mark = /^\/\/ (\S+\.(?:ts|js|mjs|cjs))$/.exec(text);
    if (mark?.[1] !== undefined) marks.push([line, mark[1]]);
  });
  return (line) => {
    let lo = 0;
    let hi = marks.length - 1;
    let file = 'relay.mjs';
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const [start, name] = marks[mid] ?? [0, ''];
      if (start <= line) {
        file = name;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return file;
  };
}

/** Sums `profile` by part; `bundleUrl` is the relay.mjs URL its frames carry. */
export function cpuParts(profile: CpuProfile, bundleUrl: string, bundleText: string, topN = 15): PartFigures {
  const fileOf = bundleFiles(bundleText);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const frameFile = (id: number): string => {
    const frame = byId.get(id)?.callFrame;
    if (!frame) return '';
    return frame.url === bundleUrl ? fileOf(frame.lineNumber) : frame.url;
  };
  const partMs = new Map<string, number>();
  const selfMs = new Map<string, { fn: string; file: string; ms: number }>();
  let busyUs = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const leaf = byId.get(id)?.callFrame;
    if (!leaf || leaf.functionName === '(idle)') return;
    busyUs += us;
    let part: string | undefined;
    if (leaf.functionName === '(garbage collector)') part = 'V8: garbage collection';
    else if (leaf.functionName === '(program)') part = 'V8: (program), native work no frame claims';
    else {
      for (let at: number | undefined = id; at !== undefined && part === undefined; at = parent.get(at)) {
        const file = frameFile(at);
        part = PARTS.find((p) => p.files.test(file))?.name;
      }
      part ??= `other: ${frameFile(id).replace(/^.*\//, '') || leaf.functionName}`;
    }
    partMs.set(part, (partMs.get(part) ?? 0) + us / 1000);
    const file = frameFile(id);
    const key = `${leaf.functionName}\u0000${file}`;
    const entry = selfMs.get(key) ?? { fn: leaf.functionName || '(anonymous)', file, ms: 0 };
    entry.ms += us / 1000;
    selfMs.set(key, entry);
  });
  const busyMs = busyUs / 1000;
  const round = (ms: number) => Math.round(ms);
  return {
    busyMs: round(busyMs),
    parts: [...partMs]
      .sort((a, b) => b[1] - a[1])
      .map(([name, ms]) => ({
        name,
        ms: round(ms),
        share: busyMs > 0 ? Math.round((1000 * ms) / busyMs) / 10 : 0,
      })),
    top: [...selfMs.values()]
      .filter((e) => e.fn !== '(garbage collector)' && e.fn !== '(program)')
      .sort((a, b) => b.ms - a.ms)
      .slice(0, topN)
      .map((e) => ({ ...e, ms: round(e.ms) })),
  };
}
