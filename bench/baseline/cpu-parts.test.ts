// Unit tests of the CPU profile's sums by part: the bundle's file marks, the nearest claiming frame, V8's own entries.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bundleFiles, type CpuProfile, cpuParts } from './cpu-parts.ts';

const BUNDLE = 'file:///tmp/b/relay.mjs';
// Lines 0–2: the preamble; 3: relay/dispatch/dispatcher.ts starts; 6: relay/watch/store.ts starts.
const TEXT = [
  '#!/usr/bin/env node',
  'import x;',
  '',
  '// relay/dispatch/dispatcher.ts',
  'a',
  'b',
  '// relay/watch/store.ts',
  'c',
].join('\n');

const frame = (
  id: number,
  functionName: string,
  url: string,
  lineNumber: number,
  children: number[] = [],
) => ({
  id,
  callFrame: { functionName, url, lineNumber },
  children,
});

test('bundleFiles should name the source file a line of the bundle belongs to', () => {
  const fileOf = bundleFiles(TEXT);
  assert.equal(fileOf(1), 'relay.mjs');
  assert.equal(fileOf(4), 'relay/dispatch/dispatcher.ts');
  assert.equal(fileOf(7), 'relay/watch/store.ts');
});

test('cpuParts should give a sample to the nearest frame that names a part, and leave idle out', () => {
  const profile: CpuProfile = {
    nodes: [
      frame(1, '(root)', '', 0, [2, 5, 6, 7, 8]),
      frame(2, 'reconcile', BUNDLE, 4, [3]),
      frame(3, 'parse', 'file:///x/node_modules/zod/v4/core/schemas.js', 10, [4]),
      frame(4, 'writev', '', 0),
      frame(5, 'upsert', BUNDLE, 7),
      frame(6, '(garbage collector)', '', 0),
      frame(7, '(idle)', '', 0),
      frame(8, 'emit', 'node:events', 3),
    ],
    // 10 ms each, in microseconds.
    samples: [3, 4, 4, 5, 6, 7, 7, 8],
    timeDeltas: [10_000, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000],
  };
  const figures = cpuParts(profile, BUNDLE, TEXT);
  assert.equal(figures.busyMs, 60, 'the two idle samples are not busy time');
  const ms = Object.fromEntries(figures.parts.map((p) => [p.name, p.ms]));
  assert.deepEqual(ms, {
    'worker call (request, signing, HTTP/1.1 to the worker, answer)': 30,
    'watch → store (decode, trim, cache)': 10,
    'V8: garbage collection': 10,
    'other: node:events': 10,
  });
  assert.equal(figures.parts[0]?.share, 50);
  assert.deepEqual(figures.top[0], { fn: 'writev', file: '', ms: 20 });
  assert.ok(!figures.top.some((t) => t.fn === '(garbage collector)'));
});
