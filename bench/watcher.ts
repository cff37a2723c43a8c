// Compares the dev loop's folder watcher (local/watch-tree.ts) with Node's recursive fs.watch and chokidar: saves seen, latency, CPU, install size.
//
// `node bench/watcher.ts --chokidar <dir of an installed chokidar>`: chokidar is not a dependency, so it is
// measured from a folder it was installed in (`npm install chokidar` elsewhere). Without it only watchTree is
// measured. Each watcher sees the same sequence on real files: saves by rename, in place and vim-style,
// alternating; figures go to bench/results/watcher.json.
import { execFileSync } from 'node:child_process';
import { watch } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { watchTree } from '../local/watch-tree.ts';

const { values } = parseArgs({ options: { chokidar: { type: 'string' }, saves: { type: 'string' } } });
const SAVES = Number(values.saves ?? 30);

interface Watcher {
  ready: Promise<void>;
  close: () => Promise<void> | void;
}
type Start = (dir: string, onChange: (file: string) => void) => Watcher;

interface ChokidarModule {
  watch(
    dir: string,
    options: { ignoreInitial: boolean; ignored?: (path: string) => boolean },
  ): {
    on(event: 'all', fn: (event: string, path: string) => void): unknown;
    once(event: 'ready', fn: () => void): unknown;
    close(): Promise<void>;
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : (s[Math.floor((s.length - 1) / 2)] ?? NaN);
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A reconciler-sized tree: src/ with a few files, a nested folder, reconciler.json. */
async function makeTree(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'zeroloop-watch-bench-'));
  await mkdir(join(dir, 'src', 'lib'), { recursive: true });
  for (const f of ['src/index.ts', 'src/spec.ts', 'src/lib/util.ts', 'reconciler.json'])
    await writeFile(join(dir, f), '// x\n');
  return dir;
}

async function measure(name: string, start: Start) {
  const dir = await makeTree();
  const file = join(dir, 'src', 'index.ts');
  let waiting: ((at: number) => void) | undefined;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const watcher = start(dir, (f) => {
    if (f.endsWith('index.ts')) waiting?.(performance.now());
  });
  await watcher.ready;
  const readyMs = performance.now() - t0;
  const latencies: Record<'rename' | 'inPlace' | 'vim', number[]> = { rename: [], inPlace: [], vim: [] };
  let missed = 0;
  for (let i = 0; i < SAVES; i++) {
    const how = (['rename', 'inPlace', 'vim'] as const)[i % 3] ?? 'rename';
    const seen = new Promise<number | undefined>((resolve) => {
      const timer = setTimeout(() => {
        resolve(undefined);
      }, 1_000);
      waiting = (at) => {
        clearTimeout(timer);
        waiting = undefined;
        resolve(at);
      };
    });
    const savedAt = performance.now();
    const text = `export const v = ${String(i)};\n`;
    if (how === 'rename') {
      await writeFile(`${file}.tmp`, text);
      await rename(`${file}.tmp`, file);
    } else if (how === 'inPlace') await writeFile(file, text);
    else {
      await rename(file, `${file}~`);
      await writeFile(file, text);
    }
    const at = await seen;
    if (at === undefined) missed++;
    else latencies[how].push(at - savedAt);
    await sleep(150); // let late events of this save pass (chokidar's atomic handling waits 100 ms)
  }
  const cpuSaves = process.cpuUsage(cpu0);
  const idle0 = process.cpuUsage();
  await sleep(3_000);
  const idle = process.cpuUsage(idle0);
  await watcher.close();
  await rm(dir, { recursive: true, force: true });
  const ms = (us: number) => Math.round(us / 100) / 10;
  return {
    watcher: name,
    saves: SAVES,
    missed,
    readyMs: Math.round(readyMs * 10) / 10,
    latencyMsMedian: Object.fromEntries(
      Object.entries(latencies).map(([k, xs]) => [k, Math.round(median(xs) * 10) / 10]),
    ),
    cpuMsDuringSaves: ms(cpuSaves.user + cpuSaves.system),
    cpuMsIdle3s: ms(idle.user + idle.system),
  };
}

const results = [];
results.push(
  await measure('fs.watch recursive (before)', (dir, onChange) => {
    const w = watch(dir, { recursive: true }, (_event, file) => {
      if (file !== null) onChange(file);
    });
    return {
      ready: Promise.resolve(),
      close: () => {
        w.close();
      },
    };
  }),
);
results.push(
  await measure('watchTree (fs.watch per folder)', (dir, onChange) => {
    const w = watchTree(dir, { onChange });
    return {
      ready: w.ready,
      close: () => {
        w.close();
      },
    };
  }),
);
if (values.chokidar !== undefined) {
  const importStart = performance.now();
  const chokidar = (await import(pathToFileURL(join(values.chokidar, 'index.js')).href)) as ChokidarModule;
  const importMs = performance.now() - importStart;
  const manifest = JSON.parse(await readFile(join(values.chokidar, 'package.json'), 'utf8')) as {
    version: string;
  };
  const installBytes = Number(
    execFileSync('du', ['-sb', join(values.chokidar, '..')], { encoding: 'utf8' }).split('\t')[0],
  );
  const result = await measure(`chokidar ${manifest.version}`, (dir, onChange) => {
    const w = chokidar.watch(dir, { ignoreInitial: true });
    w.on('all', (_event, path) => {
      onChange(path);
    });
    const ready = new Promise<void>((resolve) => w.once('ready', resolve));
    return { ready, close: () => w.close() };
  });
  results.push({ ...result, importMs: Math.round(importMs), installBytes });
}
const out = { date: new Date().toISOString(), node: process.version, results };
await mkdir(new URL('results/', import.meta.url), { recursive: true });
await writeFile(new URL('results/watcher.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
console.log(JSON.stringify(out, null, 2));
