// Sums a V8 heap snapshot's live objects by category (cached objects, indexes, module code, strings…) using its dominator tree.
//
// Every object's self size is counted once, under the nearest dominator that carries a label:
// - `cache: <Kind>`: the `#items` Map of a watch Store (the cached objects themselves);
// - `indexes`: a Store's `#indices` and `#labels`; `store keys`: the Store (keys shared by map and indexes);
// - `code: <package>`: a Script and each SharedFunctionInfo (bytecode, scope infos, feedback
//   metadata), by the script's path: undici, zod, the relay's own files, node's internals;
// - `<Class>.#field`: any other private field of a class instance (the controller's maps, queues…).
// What no label dominates falls back to its V8 type: strings, V8 internals (maps, descriptors), code…
// Run alone: node bench/heap-breakdown.ts <file.heapsnapshot> [cachedObjects]
import { readFileSync } from 'node:fs';

export interface HeapBreakdown {
  nodes: number;
  totalMiB: number;
  categories: { name: string; mib: number }[];
  /** The top labelled groups by retained self size (finer than `categories`). */
  top: { name: string; mib: number }[];
  perObjectKiB: { cache: number; heapUsed: number; heapUsedBeforeGc: number };
  process: Record<string, number>;
}

export interface ProcessMemory {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  heapUsedBeforeGc: number;
  cachedObjects: number;
}

interface Snapshot {
  snapshot: {
    meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** The package a script path belongs to. */
function packageOf(path: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (m?.[1]) return m[1] === 'undici' || m[1] === 'zod' ? m[1] : 'other packages';
  if (/\/(relay|src)\//.test(path)) return 'relay (own files)';
  return 'node internals';
}

/** Immediate dominators (Cooper, Harvey, Kennedy) of a graph given as CSR successor lists, from node 0. */
function dominators(n: number, first: Int32Array, targets: Int32Array): Int32Array {
  // Iterative DFS for a postorder.
  const order = new Int32Array(n).fill(-1);
  const post: number[] = [];
  const stack = [0];
  const cursor = new Int32Array(n);
  const visited = new Uint8Array(n);
  visited[0] = 1;
  while (stack.length > 0) {
    const v = stack[stack.length - 1] ?? 0;
    const end = first[v + 1] ?? 0;
    let c = (first[v] ?? 0) + (cursor[v] ?? 0);
    while (c < end && visited[targets[c] ?? 0]) c++;
    cursor[v] = c - (first[v] ?? 0);
    if (c < end) {
      const w = targets[c] ?? 0;
      visited[w] = 1;
      stack.push(w);
    } else {
      order[v] = post.length;
      post.push(v);
      stack.pop();
    }
  }
  // Predecessors (reachable ones only).
  const predCount = new Int32Array(n + 1);
  for (let v = 0; v < n; v++) {
    if (!visited[v]) continue;
    for (let e = first[v] ?? 0; e < (first[v + 1] ?? 0); e++) {
      const w = (targets[e] ?? 0) + 1;
      predCount[w] = (predCount[w] ?? 0) + 1;
    }
  }
  for (let i = 0; i < n; i++) predCount[i + 1] = (predCount[i + 1] ?? 0) + (predCount[i] ?? 0);
  const preds = new Int32Array(predCount[n] ?? 0);
  const fill = predCount.slice(0, n);
  for (let v = 0; v < n; v++) {
    if (!visited[v]) continue;
    for (let e = first[v] ?? 0; e < (first[v + 1] ?? 0); e++) {
      const w = targets[e] ?? 0;
      const at = fill[w] ?? 0;
      preds[at] = v;
      fill[w] = at + 1;
    }
  }
  const idom = new Int32Array(n).fill(-1);
  idom[0] = 0;
  const intersect = (a: number, b: number): number => {
    while (a !== b) {
      while ((order[a] ?? 0) < (order[b] ?? 0)) a = idom[a] ?? 0;
      while ((order[b] ?? 0) < (order[a] ?? 0)) b = idom[b] ?? 0;
    }
    return a;
  };
  for (let changed = true; changed;) {
    changed = false;
    for (let i = post.length - 2; i >= 0; i--) {
      const v = post[i] ?? 0;
      let d = -1;
      for (let p = predCount[v] ?? 0; p < (predCount[v + 1] ?? 0); p++) {
        const u = preds[p] ?? 0;
        if (idom[u] === -1) continue;
        d = d === -1 ? u : intersect(u, d);
      }
      if (d !== -1 && idom[v] !== d) {
        idom[v] = d;
        changed = true;
      }
    }
  }
  return idom;
}

export function heapBreakdown(path: string, memory?: ProcessMemory): HeapBreakdown {
  const snap = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  const meta = snap.snapshot.meta;
  const NF = meta.node_fields.length;
  const EF = meta.edge_fields.length;
  const types = meta.node_types[0];
  const etypes = meta.edge_types[0];
  const { nodes: N, edges: E, strings: S } = snap;
  const n = N.length / NF;
  const T = {
    type: 0,
    name: 1,
    self: meta.node_fields.indexOf('self_size'),
    edges: meta.node_fields.indexOf('edge_count'),
  };
  const typeOf = (v: number) => types[N[v * NF + T.type] ?? 0] ?? '';
  const nameOf = (v: number) => S[N[v * NF + T.name] ?? 0] ?? '';
  const selfOf = (v: number) => N[v * NF + T.self] ?? 0;
  // Edge ranges per node; strong edges (not weak) as CSR for the dominator tree.
  const edgeStart = new Int32Array(n + 1);
  for (let v = 0; v < n; v++) edgeStart[v + 1] = (edgeStart[v] ?? 0) + (N[v * NF + T.edges] ?? 0) * EF;
  const weak = etypes.indexOf('weak');
  const first = new Int32Array(n + 1);
  const targets: number[] = [];
  for (let v = 0; v < n; v++) {
    first[v] = targets.length;
    for (let e = edgeStart[v] ?? 0; e < (edgeStart[v + 1] ?? 0); e += EF)
      if (E[e] !== weak) targets.push((E[e + 2] ?? 0) / NF);
  }
  first[n] = targets.length;
  const idom = dominators(n, first, Int32Array.from(targets));
  const edgeName = (e: number) => {
    const t = etypes[E[e] ?? 0];
    return t === 'element' || t === 'hidden' ? String(E[e + 1]) : (S[E[e + 1] ?? 0] ?? '');
  };
  const child = (v: number, name: string): number | undefined => {
    for (let e = edgeStart[v] ?? 0; e < (edgeStart[v + 1] ?? 0); e += EF)
      if (edgeName(e) === name) return (E[e + 2] ?? 0) / NF;
    return undefined;
  };

  // Labels: specific ones first; a later label never replaces an earlier one.
  const label = new Map<number, string>();
  const put = (v: number | undefined, name: string) => {
    if (v !== undefined && !label.has(v)) label.set(v, name);
  };
  for (let v = 0; v < n; v++) {
    if (typeOf(v) !== 'object' || nameOf(v) !== 'SharedInformer') continue;
    const store = child(v, 'store');
    const scope = child(v, 'scope');
    const kindNode = scope === undefined ? undefined : child(scope, 'kind');
    const kind = kindNode === undefined ? '?' : nameOf(kindNode);
    if (store === undefined) continue;
    put(child(store, '#items'), `cache: ${kind}`);
    put(child(store, '#indices'), 'indexes');
    put(child(store, '#labels'), 'indexes');
    put(store, 'store keys');
  }
  for (let v = 0; v < n; v++) {
    const script = typeOf(v) === 'code' ? child(v, 'script') : undefined;
    if (script === undefined) continue;
    const pkg = `code: ${packageOf(nameOf(script))}`;
    put(script, pkg);
    put(v, pkg);
  }
  for (let v = 0; v < n; v++) {
    if (typeOf(v) !== 'object') continue;
    for (let e = edgeStart[v] ?? 0; e < (edgeStart[v + 1] ?? 0); e += EF) {
      const name = edgeName(e);
      if (name.startsWith('#')) put((E[e + 2] ?? 0) / NF, `${nameOf(v)}.${name}`);
    }
  }

  // Nearest labelled dominator, memoised; unlabelled chains fall back to the node's V8 type.
  const category = new Array<string | undefined>(n);
  const fallback = (v: number): string => {
    const t = typeOf(v);
    if (t.includes('string')) return 'strings (other)';
    if (t === 'code') return 'code (other: builtins, compiled code)';
    if (t === 'object shape' || t === 'hidden') return 'V8 internals (maps, descriptors, other)';
    if (t === 'native') return 'native (array buffers, other)';
    return 'other JS objects';
  };
  const find = (v: number): string | undefined => {
    const path: number[] = [];
    let u = v;
    let found: string | undefined;
    while (u !== 0 && (idom[u] ?? -1) >= 0) {
      const known = category[u] ?? label.get(u);
      if (known !== undefined) {
        found = known === '' ? undefined : known;
        break;
      }
      path.push(u);
      u = idom[u] ?? 0;
    }
    for (const p of path) category[p] = found ?? '';
    return found;
  };
  const sums = new Map<string, number>();
  let total = 0;
  for (let v = 0; v < n; v++) {
    if ((idom[v] ?? -1) < 0) continue;
    const c = find(v) ?? fallback(v);
    sums.set(c, (sums.get(c) ?? 0) + selfOf(v));
    total += selfOf(v);
  }
  const mib = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;
  const top = [...sums].sort((a, b) => b[1] - a[1]).map(([name, bytes]) => ({ name, mib: mib(bytes) }));
  // Coarse groups.
  const group = (name: string) => {
    if (name.startsWith('cache: ') || name.startsWith('code: ')) return name;
    if (name === 'indexes' || name === 'store keys') return 'indexes and store keys';
    if (name.includes('.#')) return 'other relay state (class private fields)';
    return name;
  };
  const groups = new Map<string, number>();
  for (const [name, bytes] of sums) groups.set(group(name), (groups.get(group(name)) ?? 0) + bytes);
  const cacheBytes = [...sums].filter(([k]) => k.startsWith('cache: ')).reduce((s, [, b]) => s + b, 0);
  const objects = memory?.cachedObjects ?? 0;
  const kib = (b: number) => (objects > 0 ? Math.round((b / objects / 1024) * 10) / 10 : NaN);
  return {
    nodes: n,
    totalMiB: mib(total),
    categories: [...groups].sort((a, b) => b[1] - a[1]).map(([name, bytes]) => ({ name, mib: mib(bytes) })),
    top: top.slice(0, 30),
    perObjectKiB: {
      cache: kib(cacheBytes),
      heapUsed: kib(memory?.heapUsed ?? NaN),
      heapUsedBeforeGc: kib(memory?.heapUsedBeforeGc ?? NaN),
    },
    process: memory
      ? {
          RSS: mib(memory.rss),
          'heap total (V8 reserved)': mib(memory.heapTotal),
          'heap used (live after GC)': mib(memory.heapUsed),
          'garbage before the GC (heap used before − after)': mib(memory.heapUsedBeforeGc - memory.heapUsed),
          'V8 reserve (heap total − heap used)': mib(memory.heapTotal - memory.heapUsed),
          'outside the V8 heap (RSS − heap total)': mib(memory.rss - memory.heapTotal),
        }
      : {},
  };
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node bench/heap-breakdown.ts <file.heapsnapshot> [cachedObjects]');
    process.exit(2);
  }
  const objects = Number(process.argv[3] ?? 0);
  const result = heapBreakdown(file, {
    rss: NaN,
    heapTotal: NaN,
    heapUsed: NaN,
    heapUsedBeforeGc: NaN,
    cachedObjects: objects,
  });
  console.log(JSON.stringify({ ...result, process: undefined }, null, 2));
}
